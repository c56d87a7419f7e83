"""Places: the heritage list of the district's 文物 office, and 楼宇/载体 (buildings and space) lists whose rents
come per day, per month or per year and whose areas come in ㎡ or 万㎡."""

from __future__ import annotations

from typing import Any

from .expected import CorpusFile
from .firms import meaning, value_of
from .layout import Refusal, Sheet
from .spell import rounded
from .writers import csv_bytes, xlsx_bytes

# (name, address, level cell, 优秀历史建筑 cell, 年代 cell, built expectation, original use, floor m², restored 万㎡)
HERITAGE = [
    ("杨树浦水厂", "杨树浦路830号", "全国重点文物保护单位", "是", "清光绪八年", {"year": 1882, "precision": "year"},
     "自来水厂", 21000, 0.8),
    ("沪江大学近代建筑群", "军工路516号", "全国重点文物保护单位", "是", "1906年", {"year": 1906, "precision": "year"},
     "大学校舍", 36000, 1.5),
    ("江湾体育场", "国和路346号", "上海市文物保护单位", "是", "1935年", {"year": 1935, "precision": "year"},
     "体育场", 48000, 2.1),
    ("旧上海市图书馆", "黑山路181号", "上海市文物保护单位", "√", "民国",
     {"from": 1912, "to": 1949, "precision": "era"}, "图书馆", 3400, 0.34),
    ("永安栈房旧址", "杨树浦路1578号", "区级文物保护单位", "否", "1920年代",
     {"from": 1920, "to": 1929, "precision": "decade"}, "仓库", 9800, "—"),
    ("上海国棉十七厂旧址", "杨树浦路2866号", "文物保护点", "是", "民国二十三年", {"year": 1934, "precision": "year"},
     "纺织厂", 120000, 9.5),
    ("杨树浦发电厂旧址", "杨树浦路2800号", "尚未核定公布为文物保护单位的不可移动文物", None, "1913年",
     {"year": 1913, "precision": "year"}, "发电厂", 56000, 1.2),
    ("上海船厂旧址（杨浦段）", "秦皇岛路32号", "杨浦区文物保护单位", "否", "清光绪三十二年",
     {"year": 1906, "precision": "year"}, "船厂", 64000, 3.0),
    ("怡和纱厂旧址", "杨树浦路670号", "全国重点文物保护单位、优秀历史建筑", None, "约1930年",
     {"year": 1930, "precision": "year", "qualifier": "approximate"}, "纺织厂", 15000, 0.5),
    ("国福路51号旧居", "国福路51号", "优秀历史建筑", None, "1930年代", {"from": 1930, "to": 1939, "precision": "decade"},
     "住宅", 560, "暂无"),
]


def heritage_wenwu() -> CorpusFile:
    columns = ["序号", "名称", "地址", "保护级别", "优秀历史建筑", "年代", "原用途", "建筑面积（㎡）", "已修缮面积（万㎡）",
               "备注"]
    fields = {"名称": "name_zh (the key)", "地址": "address",
              "保护级别": "protection_level (national / municipal / district / registered); 优秀历史建筑 written here "
                      "sets the separate designation, never a level",
              "优秀历史建筑": "Shanghai excellent historic building: a separate yes/no designation",
              "年代": "built: a year, or an era / decade range, with its precision", "原用途": "original_use",
              "建筑面积（㎡）": "floor_area_m2", "已修缮面积（万㎡）": "restored_area_m2 (万㎡ × 10,000)"}
    sheet = Sheet("不可移动文物", columns)
    sheet.line("杨浦区不可移动文物名录（工业遗存部分）", "title")
    sheet.line("杨浦区文化和旅游局（区文物局）　　2024年4月", "export_info")
    sheet.header(columns)
    for k, (name, address, level, ehb, era, built, use, floor, restored) in enumerate(HERITAGE):
        values = {"序号": k + 1, "名称": name, "地址": f"上海市杨浦区{address}", "保护级别": level, "优秀历史建筑": ehb,
                  "年代": era, "原用途": use, "建筑面积（㎡）": floor, "已修缮面积（万㎡）": restored}
        parts = level.split("、")
        levels = [p for p in parts if p != "优秀历史建筑"]
        designated = "优秀历史建筑" in parts or ehb in ("是", "√")
        probes: dict[str, dict[str, Any]] = {
            "保护级别": {"protection_level": value_of("heritage_level", levels[0]) if levels else None,
                     "excellent_historic_building": designated},
            "年代": {"built": built}, "建筑面积（㎡）": {"floor_area_m2": floor}}
        if isinstance(restored, float):
            probes["已修缮面积（万㎡）"] = {"restored_area_m2": rounded(restored * 10_000)}
        or_refuse, notes = {}, {}
        if built["precision"] in ("era", "decade"):
            or_refuse["年代"] = "date.era_only"
        if "qualifier" in built:
            or_refuse["年代"] = "date.approximate"
        if not levels:
            or_refuse["保护级别"] = "required.missing"
            notes["保护级别"] = "an excellent historic building that is not a listed cultural relic: no level"
        if era.startswith(("清", "民国")):
            notes["年代"] = "a reign or Republic year: 光绪 1 = 1875, 民国 1 = 1912"
        sheet.data(values, probes=probes, or_refuse=or_refuse, notes=notes)
    n = len(HERITAGE)
    sheet.data({"序号": n + 1, "名称": "大桥街道某石库门里弄", "地址": "上海市杨浦区长阳路1010弄", "保护级别": "重点保护",
                "年代": "1928年", "原用途": "住宅", "建筑面积（㎡）": 2400},
               refuse=[Refusal("vocab.unmapped", "保护级别", "重点保护 is not a protection level", "文物保护点")])
    sheet.data({"序号": n + 2, "名称": "杨树浦煤气厂旧址", "地址": "上海市杨浦区杨树浦路2524号", "保护级别": "文物保护点",
                "年代": "1932年", "原用途": "煤气厂", "建筑面积（㎡）": 8000, "已修缮面积（万㎡）": 1.2},
               refuse=[Refusal("rule.restored_exceeds_floor", "已修缮面积（万㎡）", "12,000 m² restored of 8,000 m² "
                               "built (万㎡ read right: 1.2 × 10,000)", 0.12)])
    sheet.data({"序号": n + 3, "名称": "祥泰木行旧址", "地址": "上海市杨浦区杨树浦路1800号", "保护级别": "区级文物保护单位",
                "年代": "1902年", "原用途": "木材行", "建筑面积（㎡）": -1200},
               refuse=[Refusal("number.negative", "建筑面积（㎡）", "an area cannot be negative", 1200)])
    sheet.blank()
    sheet.line("注：优秀历史建筑栏“是”“√”指已公布为上海市优秀历史建筑。名称为真实地点，级别、面积等为测试用合成数据。", "footer")
    return CorpusFile("heritage_wenwu.xlsx", "heritage",
                      "the 文物 office's list of immovable heritage (industrial relics): protection levels in legal "
                      "wording, 优秀历史建筑 as a column and inside the level cell, years as 清光绪八年 / 民国 / 1920年代",
                      [sheet], sheet, fields, {"type": "xlsx"}, lambda clean: xlsx_bytes([sheet], clean=clean))


KIND_OR_REFUSE = {"maker_space", "incubator", "accelerator"}  # kinds beyond building / park


def _space_probes(kind: str, area: Any, area_factor: float, vacant: Any, rent: Any, rent_per_day: float,
                  rule: str) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    value = meaning("space_kind", kind)["value"]  # None: a kind that must be refused
    probes: dict[str, dict[str, Any]] = {"kind": {"kind": value}} if value else {}
    if isinstance(area, (int, float)):
        probes["area"] = {"area_m2": rounded(area * area_factor)}
    if isinstance(vacant, (int, float)):
        probes["vacant"] = {"vacant_m2": vacant}
    if isinstance(rent, (int, float)):
        probes["rent"] = {"rent_cny_m2_day": rounded(rent * rent_per_day, 4), "rule": rule}
    return probes, ({"kind": "vocab.unmapped"} if value in KIND_OR_REFUSE else {})


def _space_sheet(name: str, columns: dict[str, str], rows: list[dict[str, Any]], *, area_factor: float,
                 rent_per_day: float, rule: str, title: str | None) -> Sheet:
    """``columns`` maps the roles name/kind/area/vacant/rent/… to this file's headers."""
    sheet = Sheet(name, list(columns.values()))
    if title:
        sheet.line(title, "title")
    sheet.header(list(columns.values()))
    for row in rows:
        probes, or_refuse = _space_probes(row["kind"], row.get("area"), area_factor, row.get("vacant"),
                                          row.get("rent"), rent_per_day, rule)
        refuse = [Refusal(code, columns[role], why, fixed) for role, code, why, fixed in row.get("bad", [])]
        sheet.data({columns[k]: v for k, v in row.items() if k in columns}, refuse=refuse,
                   probes={columns[k]: v for k, v in probes.items()},
                   or_refuse={columns[k]: v for k, v in or_refuse.items()})
    return sheet


SPACE_FIELDS = {"name": "name (the key)", "kind": "kind (park / building / maker_space / incubator / accelerator)",
                "area": "area_m2", "vacant": "vacant_m2", "rent": "rent_cny_m2_day (yuan per m² per day)",
                "address": "address"}


def _fields(columns: dict[str, str]) -> dict[str, str]:
    return {header: SPACE_FIELDS[role] for role, header in columns.items() if role in SPACE_FIELDS}


def spaces_buildings() -> CorpusFile:
    columns = {"seq": "序号", "name": "载体名称", "kind": "载体类型", "street": "所在街道", "address": "地址",
               "area": "建筑面积（万㎡）", "vacant": "空置面积（㎡）", "rent": "租金（元/㎡/天）", "sector": "产业方向"}
    rows = [
        {"name": "创智天地广场", "kind": "商务楼宇", "street": "五角场街道", "address": "淞沪路388号", "area": 5.2,
         "vacant": 3200, "rent": 4.8, "sector": "在线新经济"},
        {"name": "长阳创谷", "kind": "产业园区", "street": "平凉路街道", "address": "长阳路1687号", "area": 26.0,
         "vacant": 15000, "rent": 3.6, "sector": "人工智能"},
        {"name": "互联宝地", "kind": "产业园区", "street": "殷行街道", "address": "军工路1436号", "area": 12.5,
         "vacant": 8000, "rent": "面议", "sector": "智能制造"},
        {"name": "湾谷科技园", "kind": "科技园", "street": "新江湾城街道", "address": "政立路800号", "area": 30.0,
         "vacant": 21000, "rent": 3.9, "sector": "生命健康"},
        {"name": "杨浦滨江国际广场", "kind": "写字楼", "street": "大桥街道", "address": "杨树浦路1088号", "area": 8.6,
         "vacant": 12000, "rent": "4.5-5.0", "sector": "数字金融",
         "bad": [("rent", "number.range", "4.5-5.0 is a range; a rent is one figure (the midpoint is not a fact)",
                  4.5)]},
        {"name": "国定路创业大厦众创空间", "kind": "众创空间", "street": "五角场街道", "address": "国定路335号",
         "area": 0.35, "vacant": 600, "rent": 2.2, "sector": "科技服务"},
        {"name": "五角场科技孵化器", "kind": "孵化器", "street": "五角场街道", "address": "政立路485号", "area": 1.2,
         "vacant": 900, "rent": 2.8, "sector": "人工智能"},
        {"name": "江浦路老厂房", "kind": "厂房", "street": "江浦路街道", "address": "江浦路1000号", "area": 0.8,
         "vacant": 8000, "rent": 1.5, "sector": "创意设计",
         "bad": [("kind", "vocab.unmapped", "厂房 (factory building) is no space kind of the vocabulary", "产业园区")]},
        {"name": "控江路数字楼宇", "kind": "商务楼宇", "street": "控江路街道", "address": "控江路1500号", "area": 2.0,
         "vacant": 25000, "rent": 4.0, "sector": "在线新经济",
         "bad": [("vacant", "rule.vacant_exceeds_area", "25,000 m² vacant of 20,000 m² (2.0 万㎡)", 2500)]},
    ]
    for k, row in enumerate(rows):
        row["seq"] = k + 1
    sheet = _space_sheet("楼宇载体", columns, rows, area_factor=10_000, rent_per_day=1, rule="per day as written",
                         title="杨浦区重点商务楼宇及产业载体空间一览（2024年5月）")
    sheet.blank()
    sheet.line("注：租金为参考报价，具体面议；“面议”表示无报价。（测试用合成数据）", "footer")
    return CorpusFile("spaces_buildings.xlsx", "spaces",
                      "the district's list of office buildings and parks: 建筑面积 in 万㎡, 空置面积 in ㎡, rent per day",
                      [sheet], sheet, _fields(columns), {"type": "xlsx"}, lambda clean: xlsx_bytes([sheet], clean=clean))


def spaces_parks_monthly() -> CorpusFile:
    columns = {"name": "园区名称", "kind": "载体类型", "area": "建筑面积（万方）", "vacant": "空置面积（平方米）",
               "rent": "租金（元/㎡/月）", "fee": "物业费（元/㎡/月）", "address": "地址"}
    rows = [
        {"name": "上海国际时尚中心", "kind": "产业园区", "area": 13.0, "vacant": 6000, "rent": 120, "fee": 25,
         "address": "杨树浦路2866号"},
        {"name": "环同济设计创意园", "kind": "产业园区", "area": 4.5, "vacant": 2500, "rent": 135, "fee": 22,
         "address": "四平路1239号"},
        {"name": "大创智创新中心", "kind": "加速器", "area": 2.2, "vacant": 1800, "rent": 98, "fee": 18,
         "address": "国定路300号"},
        {"name": "新江湾城科创楼宇", "kind": "商务楼宇", "area": 6.8, "vacant": "暂无", "rent": 150.5, "fee": 28,
         "address": "政立路1588号"},
    ]
    sheet = _space_sheet("园区", columns, rows, area_factor=10_000, rent_per_day=12 / 365,
                         rule="per month × 12 / 365", title=None)
    sheet.refuse_column(Refusal("unit.unknown", "建筑面积（万方）", "万方 is 万平方米 or 万立方米: the column is refused, "
                                "never read ×1 or guessed", None), "建筑面积（万平方米）")
    fields = _fields(columns) | {"物业费（元/㎡/月）": "no field: listed in the report as an ignored column"}
    return CorpusFile("spaces_parks_monthly.xlsx", "spaces",
                      "a park operator's list: rent per m² per month, area in 万方 (an ambiguous unit)", [sheet],
                      sheet, fields, {"type": "xlsx"}, lambda clean: xlsx_bytes([sheet], clean=clean))


def spaces_incubators_yearly() -> CorpusFile:
    columns = {"name": "名称", "kind": "类型", "area": "面积（㎡）", "vacant": "空置面积（㎡）",
               "rent": "租金 (元/平方米·年)", "operator": "运营主体", "level": "认定级别"}
    rows = [
        {"name": "复旦科技园孵化器", "kind": "孵化器", "area": 12000, "vacant": 1500, "rent": 1200,
         "operator": "上海复旦科技园有限公司（合成）", "level": "国家级科技企业孵化器"},
        {"name": "同济科技园众创空间", "kind": "众创空间", "area": 3000, "vacant": 400, "rent": 900,
         "operator": "上海同济科技园有限公司（合成）", "level": "国家级众创空间"},
        {"name": "长阳创谷加速器", "kind": "加速器", "area": 8000, "vacant": "—", "rent": 1460,
         "operator": "上海长阳创谷企业发展有限公司（合成）", "level": "市级"},
        {"name": "国定路众创空间", "kind": "众创空间", "area": 1500, "vacant": 200, "rent": -800, "operator": "（合成）",
         "level": "区级", "bad": [("rent", "number.negative", "a rent cannot be negative", 800)]},
    ]
    sheet = _space_sheet("csv", columns, rows, area_factor=1, rent_per_day=1 / 365, rule="per year / 365",
                         title=None)
    return CorpusFile("spaces_incubators_yearly.csv", "spaces",
                      "an incubator list saved as 'CSV UTF-8': rent per m² per year, written 元/平方米·年",
                      [sheet], sheet, _fields(columns), {"type": "csv", "encoding": "utf-8", "delimiter": ",",
                                                         "bom": True},
                      lambda clean: csv_bytes(sheet, encoding="utf-8", clean=clean, bom=True))
