"""The district's own Excel files: an instructions sheet first, the table on the second sheet, group headings
(一、…), merged cells, a 单位 line, two-level headers and a 合计 row — as the parks and streets fill them in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .expected import CorpusFile
from .firms import REGISTRY_SIZE, Firm, pool, spare_codes, value_of
from .layout import Info, Refusal, Sheet
from .spell import date_cell, rounded
from .writers import xlsx_bytes

INSTRUCTIONS = Info("说明", [
    "填报说明",
    "1. 本表由各园区（街道）填报，数据截至2024年4月30日。",
    "2. 企业类型按营业执照填写；投资方国别填写最终控制方所在国家（地区）。",
    "3. 成立日期可填写至月；是否地区总部、是否研发中心以市商务委认定为准，填“是”或“√”。",
    "4. 请勿修改表头，请勿合并单元格（所属园区除外）。",
    "（本文件为测试用合成数据 / synthetic test data）",
])

FOREIGN_SHORT = ["外商独资", "中外合资经营企业", "外资企业", "330 外资企业", "外商投资企业", "外商投资股份有限公司"]
HMT_SHORT = ["港资", "台资", "230 港、澳、台商独资经营企业", "港澳台投资企业"]
# extra firms (not in the registry base) invested from the initiative's target markets
ASEAN_INVESTORS = [("上海湄公数字科技有限公司", "Lao PDR"), ("上海顺化软件有限公司", "越南"),
                   ("上海西贡设计有限公司", "Viet Nam"), ("上海狮城数据服务有限公司", "新加坡共和国"),
                   ("上海汉江信息技术有限公司", "Korea, Rep.")]
DATE_FORMS = ["month_dot", "year", "month_dash", "excel", "month_compact", "cn_numerals", "month_cn", "slash"]


def _runs(rows: list[int], keys: list[str]) -> list[tuple[int, int]]:
    """Row ranges (first, last) over which consecutive keys are equal and that span more than one row."""
    out, start = [], 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or keys[i] != keys[start]:
            if i - start > 1:
                out.append((rows[start], rows[i - 1]))
            start = i
    return out


def district_foreign_firms() -> CorpusFile:
    columns = ["序号", "所属园区", "企业名称", "统一社会信用代码", "企业类型", "投资方国别", "成立日期",
               "是否跨国公司地区总部", "是否外资研发中心", "注册地址", "备注"]
    fields = {"企业名称": "name_zh", "统一社会信用代码": "uscc", "企业类型": "ownership (foreign / hmt / domestic)",
              "投资方国别": "origin_country (ISO 3166-1 alpha-3)", "成立日期": "established_on, with its precision",
              "是否跨国公司地区总部": "mnc_regional_hq (是 / √ → yes; 否 / empty → no)",
              "是否外资研发中心": "rd_centre (是 / √ → yes; 否 / empty → no)", "注册地址": "address"}
    registered = [f for f in pool()[:REGISTRY_SIZE] if f.ownership != "domestic"]
    spare = spare_codes()
    groups: list[tuple[str, list[dict[str, Any]]]] = [("一、跨国公司地区总部", []), ("二、外资研发中心", []),
                                                      ("三、其他外资企业", [])]
    chosen = registered[20:36]
    chosen = sorted(chosen, key=lambda f: f.ownership != "foreign" or f.index % 2)  # four foreign firms first
    for k, f in enumerate(chosen):
        group = 0 if k < 4 else 1 if k < 8 else 2
        if group == 0:
            type_text = "外商独资"
        elif f.ownership == "foreign":
            type_text = FOREIGN_SHORT[k % len(FOREIGN_SHORT)]
        else:
            type_text = {"HKG": "港资", "TWN": "台资"}.get(f.country or "", HMT_SHORT[2 + k % 2])
        groups[group][1].append({"firm": f, "type": type_text, "country": f.country_text,
                                 "country_iso": f.country, "park": f.park, "address": f.address})
    for k, (name, country) in enumerate(ASEAN_INVESTORS):
        groups[2][1].append({"firm": None, "name": name, "uscc": spare.uscc(), "type": FOREIGN_SHORT[k % 3],
                             "country": country, "country_iso": value_of("country", country), "park": "湾谷科技园",
                             "address": f"上海市杨浦区政立路{300 + 17 * k}号", "established": dt.date(2019 + k, 3 + k, 5)})
    for _, members in groups:
        members.sort(key=lambda m: m["park"])
    sheet = Sheet("外资企业名单", columns)
    sheet.line("杨浦区重点外资企业名单（2024年）", "title")
    sheet.line("填报单位：杨浦区商务委员会（盖章）　　　　填报日期：2024年5月20日", "export_info")
    sheet.header(columns)
    seq = 0
    bad = {2: ("投资方国别", "欧洲", "country.not_a_country", "欧洲 is a continent, not an economy"),
           6: ("成立日期", None, "date.invalid", "there is no 13th month"),
           11: ("投资方国别", "刚果", "country.ambiguous", "刚果 is the Republic of the Congo (COG) or the DR Congo "
                "(COD)"),
           15: ("投资方国别", "276", "country.numeric_not_allowed", "a bare number is not a country unless the "
                "column says it holds ISO numeric codes")}
    for group, (heading, members) in enumerate(groups):
        if group == 2:
            sheet.blank()
        sheet.line(heading, "heading")
        rows = []
        for m in members:
            seq += 1
            firm: Firm | None = m["firm"]
            established = firm.established if firm else m["established"]
            form = DATE_FORMS[seq % len(DATE_FORMS)]
            date_value, date_expect = date_cell(established, form)
            hq = ("√" if seq % 2 else "是") if group == 0 else ("否" if seq % 3 else None)
            rd = "是" if group == 1 else None
            values = {"序号": seq, "所属园区": m["park"], "企业名称": firm.name_zh if firm else m["name"],
                      "统一社会信用代码": firm.uscc if firm else m["uscc"], "企业类型": m["type"],
                      "投资方国别": m["country"], "成立日期": date_value, "是否跨国公司地区总部": hq,
                      "是否外资研发中心": rd, "注册地址": m["address"], "备注": None if firm else "新设（2024年引进）"}
            probes: dict[str, dict[str, Any]] = {
                "企业类型": {"ownership": value_of("ownership", m["type"])},
                "投资方国别": {"origin_country": m["country_iso"]}, "成立日期": {"established_on": date_expect},
                "是否跨国公司地区总部": {"mnc_regional_hq": hq in ("是", "√")}}
            notes = {}
            if form == "year":
                notes["成立日期"] = (f"a number cell {established.year} is a year, never Excel serial day "
                                    f"{established.year}")
            refuse = []
            if seq in bad:
                column, text, code, why = bad[seq]
                text = text or f"{established.year}.13"
                refuse.append(Refusal(code, column, why, values[column]))
                values[column] = text
                probes.pop(column)
            rows.append(sheet.data(values, refuse=refuse, probes=probes, notes=notes))
        for first, last in _runs(rows, [m["park"] for m in members]):
            sheet.merge_down("所属园区", first, last)
        if group == 0:
            sheet.merge_down("企业类型", rows[0], rows[-1])
    seq += 1
    domestic = pool()[4]
    sheet.data({"序号": seq, "所属园区": "长阳创谷", "企业名称": domestic.name_zh, "统一社会信用代码": domestic.uscc,
                "企业类型": domestic.type_text, "投资方国别": None, "成立日期": domestic.established.isoformat(),
                "是否跨国公司地区总部": "是", "注册地址": domestic.address, "备注": "拟认定"},
               refuse=[Refusal("rule.hq_needs_foreign", "是否跨国公司地区总部", "only a foreign- or HK/Macao/"
                               "Taiwan-invested firm can be an MNC regional headquarters; this one is domestic", "否")],
               probes={"企业类型": {"ownership": "domestic"}})
    sheet.skip({"序号": "合计", "企业名称": f"共{seq}家"}, "total")
    sheet.blank()
    sheet.line("注：1. 地区总部、研发中心为市商务委认定名单；2. 数据为测试用合成数据。", "footer")
    return CorpusFile(
        "district_foreign_firms.xlsx", "enterprises",
        "the district's own list of key foreign-invested firms: 说明 sheet first, the table on the second sheet, "
        "group headings, 所属园区 merged over the firms of a park, 企业类型 merged over a group",
        [INSTRUCTIONS, sheet], sheet, fields, {"type": "xlsx"},
        lambda clean: xlsx_bytes([INSTRUCTIONS, sheet], clean=clean))


YEARS = (2021, 2022, 2023)


def district_key_firms_revenue() -> CorpusFile:
    """营业收入（万元） over 2021 / 2022 / 2023: one record per firm and year; 税收 takes its unit from 单位：万元."""
    measures = [("营业收入（万元）", "revenue"), ("税收", "tax"), ("从业人员（人）", "employees")]
    columns = ["序号", "所属园区", "企业名称", "统一社会信用代码"] + [f"{m} / {y}" for m, _ in measures for y in YEARS]
    fields = {"统一社会信用代码": "uscc of a registered firm", "企业名称": "name (checked against the registry: no)"}
    for m, field in measures:
        for y in YEARS:
            fields[f"{m} / {y}"] = {"revenue": f"revenue of {y}, yuan (万元 × 10,000)",
                                  "tax": f"tax of {y}, yuan (unit from the 单位：万元 line × 10,000)",
                                  "employees": f"employees at the end of {y}"}[field]
    sheet = Sheet("重点企业经营情况", columns)
    sheet.line("杨浦区重点企业经营情况统计表（2021—2023年）", "title")
    sheet.line("单位：万元", "unit_line", merge=False)
    top = ["序号", "所属园区", "企业名称", "统一社会信用代码"]
    sheet.header(top + [m if y == YEARS[0] else None for m, _ in measures for y in YEARS])
    sheet.header([None] * 4 + [y for _ in measures for y in YEARS])
    sheet.merges += [(3, c, 4, c) for c in range(1, 5)] + [(3, 5 + 3 * i, 3, 7 + 3 * i) for i in range(3)]
    firms = pool()[:REGISTRY_SIZE]
    groups = [("一、数字经济企业", [f for f in firms if f.industry[:2] in ("65", "64")][:7]),
              ("二、其他重点企业", [f for f in firms if f.industry[:2] not in ("65", "64")][:6])]
    seq = 0
    subtotal_rows = []
    unknown = pool()[52]
    for group, (heading, members) in enumerate(groups):
        sheet.line(heading, "heading")
        members = sorted(members, key=lambda f: f.park)
        rows, sums = [], {c: 0.0 for c in columns[4:]}
        for k, f in enumerate(members):
            seq += 1
            base = 800 + (f.index * 137) % 9000 + f.insured
            values: dict[str, Any] = {"序号": seq, "所属园区": f.park, "企业名称": f.name_zh, "统一社会信用代码": f.uscc}
            probes: dict[str, dict[str, Any]] = {}
            notes: dict[str, str] = {}
            for i, y in enumerate(YEARS):
                revenue = round(base * (1.2 ** i) + k * 3.7, 1)
                tax = round(revenue * 0.06, 1)
                employees = f.insured + 10 * i
                values |= {f"营业收入（万元） / {y}": revenue, f"税收 / {y}": tax, f"从业人员（人） / {y}": employees}
                probes[f"营业收入（万元） / {y}"] = {"year": y, "revenue_yuan": rounded(revenue * 10_000)}
                probes[f"税收 / {y}"] = {"year": y, "tax_yuan": rounded(tax * 10_000)}
            if k == 1 and group == 0:  # a firm that joined in 2022: no 2021 figures
                values |= {"营业收入（万元） / 2021": "—", "税收 / 2021": "—", "从业人员（人） / 2021": "—"}
                for c in ("营业收入（万元） / 2021", "税收 / 2021"):
                    probes.pop(c)
            numbers = {c: v for c, v in values.items() if c in sums and isinstance(v, (int, float))}
            if k == 2 and group == 0:
                values["营业收入（万元） / 2023"] = f"{values['营业收入（万元） / 2023']:,.1f}"
                notes["营业收入（万元） / 2023"] = "a number typed as text, with a thousands separator"
            records = sum(1 for y in YEARS if values[f"营业收入（万元） / {y}"] != "—")
            refuse = []
            if k == 3 and group == 0:
                refuse.append(Refusal("number.negative", "营业收入（万元） / 2022", "revenue cannot be negative",
                                      values["营业收入（万元） / 2022"]))
                values["营业收入（万元） / 2022"] = -values["营业收入（万元） / 2022"]
            if k == 4 and group == 0:
                refuse.append(Refusal("number.not_integer", "从业人员（人） / 2023", "a head count is a whole number",
                                      values["从业人员（人） / 2023"]))
                values["从业人员（人） / 2023"] = values["从业人员（人） / 2023"] + 0.5
            if k == 1 and group == 1:
                refuse.append(Refusal("number.approximate", "营业收入（万元） / 2023", "约 ('about') is an estimate, "
                                      "not a figure", values["营业收入（万元） / 2023"]))
                values["营业收入（万元） / 2023"] = f"约{int(values['营业收入（万元） / 2023'])}"
            if k == 3 and group == 1:
                refuse.append(Refusal("reference.unknown_firm", "统一社会信用代码", "a valid code, but no firm of "
                                      "the registry has it", f.uscc))
                values |= {"统一社会信用代码": unknown.uscc, "企业名称": unknown.name_zh}
            for c, v in numbers.items():
                sums[c] += v
            rows.append(sheet.data(values, refuse=refuse, probes=probes, notes=notes, records=records))
        for first, last in _runs(rows, [f.park for f in members]):
            sheet.merge_down("所属园区", first, last)
        subtotal_rows.append(sums)
        sheet.skip({"企业名称": "小计"} | {c: rounded(v, 1) for c, v in sums.items()}, "subtotal")
    total = {c: rounded(sum(s[c] for s in subtotal_rows), 1) for c in columns[4:]}
    sheet.skip({"序号": "合计"} | total, "total")
    sheet.blank()
    sheet.line("填表人：王敏　　审核人：李强　　填报日期：2024年3月8日", "footer")
    facts = {"header": "two rows (3–4), flattened: 营业收入（万元） / 2021 …; the year comes from the second row",
             "unit_line": "row 2 单位：万元 gives the unit of 税收 (its header has none); headers with a unit keep it",
             "shape": "wide: one financial record per firm and year with at least one figure ('—' is no figure)"}
    return CorpusFile(
        "district_key_firms_revenue.xlsx", "financials",
        "the district's own yearly key-firm table: two-level merged headers (measure over years), 所属园区 merged "
        "down, 小计 / 合计 rows, a 单位：万元 line, 填表人 footer; data on the second sheet",
        [INSTRUCTIONS, sheet], sheet, fields, {"type": "xlsx"},
        lambda clean: xlsx_bytes([INSTRUCTIONS, sheet], clean=clean), requires=["registry_base.csv"], facts=facts)
