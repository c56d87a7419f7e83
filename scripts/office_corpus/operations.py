"""Operations files of the investment-promotion office: the project pipeline sheet (招商项目推进表) and the list
of partners (friendly cities, organisations, platforms) with the markets each serves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .expected import CorpusFile
from .firms import pool, value_of
from .layout import Refusal, Sheet
from .spell import date_cell, rounded
from .writers import xlsx_bytes

PROJECT_FIELDS = {
    "项目名称": "title (the key)", "统一社会信用代码": "uscc of the investing firm, if registered",
    "投资方国别": "investor_country (ISO 3166-1 alpha-3)",
    "投资金额（万美元）": "amount in US dollars (万美元 × 10,000), currency USD kept (or converted at a dated rate, "
                   "saying which)", "投资总额（亿元）": "amount in yuan (亿元 × 100,000,000)",
    "项目阶段": "stage (lead / negotiating / signed / landed / operating / dropped)",
    "签约日期": "announced_on, with precision day / month / year", "下一步工作": "next_action",
    "下一步日期": "next_action_on (a day is required)", "跟进人": "owner", "终止原因": "dropped_reason"}

# (project, investor, country spelling, amount column, amount, stage, date form, date)
PROJECTS = [
    ("德国工业软件亚太研发中心", "Derui GmbH", "德意志联邦共和国", "usd", 5000, "已签约", "month_dot", dt.date(2019, 12, 1)),
    ("韩国数字内容出海服务平台", "Hanjiang Co., Ltd.", "大韩民国", "usd", 1200, "在谈", "month_dash", dt.date(2024, 3, 1)),
    ("新加坡跨境数据服务区域总部", "Lion Data Pte. Ltd.", "新加坡共和国", "usd", 3000, "已落地", "month_compact",
     dt.date(2019, 12, 1)),
    ("越南软件外包交付中心", "Saigon Soft JSC", "Viet Nam", "usd", 800, "洽谈中", "month_cn", dt.date(2023, 9, 1)),
    ("老挝经贸合作展示中心", "Lao Expo Co., Ltd.", "Lao PDR", "usd", 300, "已签约", "cn_numerals", dt.date(2019, 3, 5)),
    ("香港金融科技创新实验室", "HK FinLab Ltd.", "香港特别行政区", "usd", 2000, "已开工", "excel", dt.date(2022, 6, 18)),
    ("台湾集成电路设计服务中心", "Formosa IC Design", "台湾地区", "usd", 1500, "已投产", "year", dt.date(2008, 1, 1)),
    ("瑞士生命健康研发平台", "Alpen Life AG", "瑞士", "usd", 4500, "终止", "iso", dt.date(2021, 4, 12)),
    ("巴西数字营销服务中心", "Brasil Digital Ltda.", "巴西联邦共和国", "usd", 600, "意向", "slash", dt.date(2024, 5, 6)),
    ("长阳创谷智能制造创新中心", "上海北辰智能科技有限公司", None, "cny", 1.2, "已签约", "month_dot", dt.date(2023, 11, 1)),
    ("滨江数字文创产业园", "上海山海文化发展有限公司", None, "cny", 8.5, "已落地", "year_cn", dt.date(2020, 1, 1)),
    ("湾谷科技园人工智能算力中心", "上海千帆算力有限公司", None, "cny", 20, "在谈", "month_dash", dt.date(2024, 4, 1)),
    ("大创智数字医疗示范项目", "上海明德医疗科技有限公司", None, "cny", 3.6, "已注册", "iso", dt.date(2022, 8, 30)),
]
OWNERS = ["张敏", "李强", "王芳", "刘洋"]


def projects_pipeline() -> CorpusFile:
    columns = ["序号", "项目名称", "投资方", "统一社会信用代码", "投资方国别", "所属领域", "投资金额（万美元）",
               "投资总额（亿元）", "项目阶段", "签约日期", "下一步工作", "下一步日期", "跟进人", "终止原因", "备注"]
    sheet = Sheet("项目推进表", columns)
    sheet.line("2024年杨浦区重点招商项目推进表", "title")
    sheet.line("更新日期：2024年5月28日　　责任部门：投资促进办公室", "export_info")
    sheet.header(columns)
    registered = pool()[10]
    seq = 0
    for group, heading in enumerate(["一、外资项目", "二、内资项目"]):
        sheet.line(heading, "heading")
        for k, (title, investor, country, unit, amount, stage, form, day) in enumerate(PROJECTS):
            if (country is None) != (group == 1):
                continue
            seq += 1
            date_value, date_expect = date_cell(day, form)
            values: dict[str, Any] = {
                "序号": seq, "项目名称": title, "投资方": investor, "投资方国别": country, "所属领域": "数字经济",
                "投资金额（万美元）": amount if unit == "usd" else "—", "投资总额（亿元）": amount if unit == "cny" else "/",
                "项目阶段": stage, "签约日期": date_value, "下一步工作": "对接选址" if stage != "终止" else None,
                "下一步日期": f"2024-06-{10 + k:02d}" if stage != "终止" else None, "跟进人": OWNERS[k % 4],
                "终止原因": "投资方全球战略调整" if stage == "终止" else None}
            probes: dict[str, dict[str, Any]] = {"项目阶段": {"stage": value_of("stage", stage)},
                                                 "签约日期": {"announced_on": date_expect}}
            notes: dict[str, str] = {}
            if unit == "usd":
                probes["投资金额（万美元）"] = {"amount": amount * 10_000, "currency": "USD"}
            else:
                probes["投资总额（亿元）"] = {"amount": rounded(amount * 100_000_000), "currency": "CNY"}
            if country:
                probes["投资方国别"] = {"investor_country": value_of("country", country)}
            if form == "year":
                notes["签约日期"] = "a number cell 2008 is a year (precision year), not Excel serial day 2008"
            if stage == "已开工":
                notes["项目阶段"] = "construction started: after 落地, before 投产"
            refuse = []
            if k == 0:
                values["统一社会信用代码"] = registered.uscc
            if k == 1:
                refuse.append(Refusal("date.month_only", "下一步日期", "the next action needs a day; 2024.07 gives a "
                                      "month only", values["下一步日期"]))
                values["下一步日期"] = "2024.07"
            if k == 3:
                values["投资金额（万美元）"] = "约800"
                refuse.append(Refusal("number.approximate", "投资金额（万美元）", "约 ('about') is an estimate, not an "
                                      "amount", 800))
            if k == 8:
                values["投资金额（万美元）"] = "面议"
                probes.pop("投资金额（万美元）")
            if k == 10:
                values["签约日期"] = "2020.13"
                refuse.append(Refusal("date.invalid", "签约日期", "there is no 13th month", date_value))
            if k == 11:
                values["项目阶段"] = "暂停"
                refuse.append(Refusal("vocab.unmapped", "项目阶段", "暂停 (paused) is not a stage", stage))
            sheet.data(values, refuse=refuse, probes=probes, notes=notes)
    seq += 1
    sheet.data({"序号": seq, "项目名称": "东盟数字贸易服务中心", "投资方": "ASEAN Digital Hub", "投资方国别": "东盟",
                "所属领域": "数字贸易", "投资金额（万美元）": 1000, "投资总额（亿元）": "/", "项目阶段": "在谈",
                "签约日期": "19.12", "下一步工作": "赴新加坡拜访", "下一步日期": "2024-06-20", "跟进人": "王芳"},
               refuse=[Refusal("country.not_a_country", "投资方国别", "东盟 is a group of economies", "新加坡"),
                       Refusal("date.ambiguous", "签约日期", "19.12: a two-digit year (2019? 1919?) or 19 December",
                               "2019.12")])
    seq += 1
    sheet.data({"序号": seq, "项目名称": "瑞典绿色低碳技术中心", "投资方": "Nordic Green AB", "投资方国别": "瑞典",
                "所属领域": "绿色低碳", "投资金额（万美元）": 900, "投资总额（亿元）": "/", "项目阶段": "终止",
                "签约日期": "2022年", "跟进人": "刘洋", "备注": "N/A"},
               refuse=[Refusal("rule.dropped_needs_reason", "终止原因", "a dropped project needs the reason it was "
                               "dropped", "投资方暂缓对华投资")],
               probes={"签约日期": {"announced_on": {"date": "2022", "precision": "year"}}})
    sheet.blank()
    sheet.line("注：投资金额为协议金额；“—”“/”表示不适用。（测试用合成数据）", "footer")
    return CorpusFile("projects_pipeline.xlsx", "projects",
                      "the investment-promotion office's project pipeline sheet: stages in office words, dates typed "
                      "every way, amounts in 万美元 or 亿元, missing values as —, /, 面议, N/A",
                      [sheet], sheet, PROJECT_FIELDS, {"type": "xlsx"}, lambda clean: xlsx_bytes([sheet], clean=clean))


# (kind, name_zh, name_en, country spelling, markets cell, market ISO list, signed form, signed date)
PARTNERS = [
    ("友好城市", "帕洛阿尔托市", "Palo Alto", "美利坚合众国", "美国", ["USA"], "month_cn", dt.date(2017, 5, 1)),
    ("友好城市", "岸和田市", "Kishiwada", "日本国", "日本", ["JPN"], "cn", dt.date(1986, 10, 8)),
    ("友城", "科莫市", "Como", "意大利共和国", "意大利", ["ITA"], "year", dt.date(2011, 1, 1)),
    ("合作机构", "旧金山湾区委员会", "Bay Area Council", "美国", "美国；墨西哥；智利", ["USA", "MEX", "CHL"], "iso",
     dt.date(2018, 9, 12)),
    ("合作平台", "老挝经贸合作博览会", "Laos Economic and Trade Cooperation Expo", "老挝人民民主共和国",
     "老挝、越南、泰国", ["LAO", "VNM", "THA"], "month_dash", dt.date(2023, 6, 1)),
    ("合作平台", "巴西投资促进中心", "Brazil Investment Promotion Center", "巴西联邦共和国", "巴西；阿根廷？",
     None, "excel", dt.date(2022, 11, 3)),
    ("合作机构", "东盟数字贸易联络中心", "ASEAN Digital Trade Liaison Centre", "新加坡", "东盟十国",
     value_of("market_group", "东盟十国"), "slash", dt.date(2024, 1, 15)),
]


def partners_cities() -> CorpusFile:
    columns = ["序号", "类型", "中文名称", "英文名称", "国别", "服务市场", "签署日期", "联系人", "备注"]
    fields = {"类型": "kind (friendly_city / organisation / platform)", "中文名称": "name_zh",
              "英文名称": "name_en (with kind, the key)", "国别": "country (ISO 3166-1 alpha-3)",
              "服务市场": "markets: a list (、 ； , ; separate), each an ISO alpha-3 code; a named group expands",
              "签署日期": "agreement_on, with its precision", "联系人": "contact_name (personal data: signed-in users only)"}
    sheet = Sheet("合作伙伴", columns)
    sheet.line("杨浦区国际合作伙伴一览表", "title")
    sheet.header(columns)
    for k, (kind, zh, en, country, markets, iso, form, day) in enumerate(PARTNERS):
        date_value, date_expect = date_cell(day, form)
        values = {"序号": k + 1, "类型": kind, "中文名称": zh, "英文名称": en, "国别": country, "服务市场": markets,
                  "签署日期": date_value, "联系人": ["Ms. Chen", "田中 一郎", "Dr. Rossi", "Mr. Lee"][k % 4]}
        probes: dict[str, dict[str, Any]] = {"类型": {"kind": value_of("partner_kind", kind)},
                                             "国别": {"country": value_of("country", country)},
                                             "签署日期": {"agreement_on": date_expect}}
        refuse, or_refuse = [], {}
        if iso is None:
            refuse.append(Refusal("country.unknown", "服务市场", "阿根廷？ — a question mark is not part of a name; "
                                  "the list must hold known economies only", "巴西；阿根廷"))
        else:
            probes["服务市场"] = {"markets": iso}
        if markets == "东盟十国":
            or_refuse["服务市场"] = "country.not_a_country"
        sheet.data(values, refuse=refuse, probes=probes, or_refuse=or_refuse)
    sheet.data({"序号": len(PARTNERS) + 1, "类型": "合作机构", "中文名称": "北欧创新中心",
                "英文名称": "Nordic Innovation Center", "国别": "北欧", "服务市场": "瑞典；丹麦；芬兰",
                "签署日期": "2019.04", "联系人": "Ms. Nielsen"},
               refuse=[Refusal("country.not_a_country", "国别", "北欧 (the Nordics) is a region", None)],
               probes={"服务市场": {"markets": ["SWE", "DNK", "FIN"]}, "类型": {"kind": "organisation"},
                       "签署日期": {"agreement_on": {"date": "2019-04", "precision": "month"}}})
    sheet.data({"序号": len(PARTNERS) + 2, "类型": "联络处", "中文名称": "智利圣地亚哥联络处",
                "英文名称": "Santiago Liaison Office", "国别": "智利", "服务市场": "智利；秘鲁；哥伦比亚",
                "签署日期": "暂无", "联系人": "Sr. Pérez"},
               refuse=[Refusal("vocab.unmapped", "类型", "联络处 (liaison office) is not a partner kind of the "
                               "vocabulary; the office maps it", "合作机构")],
               probes={"服务市场": {"markets": ["CHL", "PER", "COL"]}, "国别": {"country": "CHL"}})
    sheet.blank()
    sheet.line("注：名称为真实合作方，其余字段为测试用合成数据。", "footer")
    return CorpusFile("partners_cities.xlsx", "partners",
                      "the district's list of friendly cities, organisations and platforms, countries in official "
                      "long names and market lists separated by 、 or ；",
                      [sheet], sheet, fields, {"type": "xlsx"}, lambda clean: xlsx_bytes([sheet], clean=clean))
