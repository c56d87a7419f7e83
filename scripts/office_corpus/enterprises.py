"""Enterprise lists: the registry base, and exports from commercial company-data platforms (企查查-style and
天眼查-style columns) as an officer saves them, a title typed above the header and the platform's footer below."""

from __future__ import annotations

from typing import Any

from .codes import wrong_check
from .expected import CorpusFile
from .firms import REGISTRY_SIZE, Firm, meaning, pool, spare_codes, value_of
from .layout import Refusal, Sheet
from .spell import DATE_FORMS, capital_cell, date_cell
from .writers import csv_bytes, xlsx_bytes

ENTERPRISE_FIELDS = {
    "统一社会信用代码": "uscc (GB 32100-2015; spaces removed, letters upper-cased)",
    "企业名称": "name_zh", "公司名称": "name_zh", "英文名": "name_en", "英文名称": "name_en",
    "企业类型": "ownership (foreign / hmt / domestic, from the SAMR 企业类型)",
    "公司类型": "ownership (foreign / hmt / domestic, from the SAMR 企业类型)",
    "登记状态": "status (active / closed / moved_out)",
    "成立日期": "established_on, with precision day / month / year",
    "注册资本": "registered capital: amount and currency (foreign currency kept)",
    "国标行业": "industry_code (GB/T 4754-2017, 2–4 digits)",
    "参保人数": "insured employees (persons)",
    "企业地址": "address", "注册地址": "address",
}


def status_expect(text: str) -> dict[str, Any]:
    entry = meaning("status", text)
    return {"status": entry["value"]} | ({"status_detail": entry["detail"]} if "detail" in entry else {})


def registry_base() -> CorpusFile:
    """The registry every other file refers to: plain product columns, UTF-8, the 50 registered pool firms."""
    columns = ["uscc", "name_zh", "name_en", "industry_code", "ownership", "origin_country", "established_on",
               "address", "status", "synthetic"]
    sheet = Sheet("registry_base", columns)
    sheet.header(columns)
    for f in pool()[:REGISTRY_SIZE]:
        sheet.data({"uscc": f.uscc, "name_zh": f.name_zh, "name_en": f.name_en, "industry_code": f.industry,
                    "ownership": f.ownership, "origin_country": f.country or "", "established_on":
                    f.established.isoformat(), "address": f.address, "status": "active", "synthetic": "true"})
    return CorpusFile(
        "registry_base.csv", "enterprises",
        "the registry in opentrade's own columns: imported first by the financial and trade-flow files' tests",
        [sheet], sheet, {c: c for c in columns}, {"type": "csv", "encoding": "utf-8", "delimiter": ",", "bom": False},
        lambda clean: csv_bytes(sheet, encoding="utf-8"))


def _platform_rows(firms: list[Firm], sheet: Sheet, *, style: str, statuses: list[str]) -> list[dict[str, Any]]:
    """One dict of cells per firm, with the probes of every vocabulary-bearing cell."""
    out = []
    name_col, type_col = ("企业名称", "企业类型") if style == "qcc" else ("公司名称", "公司类型")
    for k, f in enumerate(firms):
        date_value, date_expect = date_cell(f.established, DATE_FORMS[k % len(DATE_FORMS)] if style == "qcc"
                                            else "iso")
        capital, capital_expect = capital_cell(f.capital_wan, f.capital_currency, style=style)
        status = statuses[k % len(statuses)]
        industry = f.industry_text if style == "qcc" else f.industry_text.split(" ", 1)[1]
        insured: Any = f.insured if k % 6 else "-"
        values = {name_col: f.name_zh, "统一社会信用代码": f.uscc, "法定代表人": f.legal_rep, "登记状态": status,
                  "成立日期": date_value, "注册资本": capital, type_col: f.type_text, "国标行业": industry,
                  "参保人数": insured, "所属省份": "上海市", "所属城市": "上海市", "所属区县": "杨浦区"}
        values["企业地址" if style == "qcc" else "注册地址"] = f.address
        values["英文名" if style == "qcc" else "英文名称"] = f.name_en
        probes = {type_col: {"ownership": f.ownership}, "登记状态": status_expect(status),
                  "成立日期": {"established_on": date_expect}, "注册资本": {"registered_capital": capital_expect},
                  "国标行业": {"industry_code": value_of("industry", industry)}}
        if insured != "-":
            probes["参保人数"] = {"insured_employees": insured}
        out.append({"values": values, "probes": probes})
    return out


def _next_seq(sheet: Sheet) -> int:
    return sum(r.role == "data" for r in sheet.rows) + 1


def qcc_foreign_firms() -> CorpusFile:
    """企查查-style export of the district's foreign-invested firms, with the office's title typed above."""
    columns = ["序号", "企业名称", "英文名", "统一社会信用代码", "法定代表人", "登记状态", "成立日期", "注册资本",
               "企业类型", "国标行业", "参保人数", "所属省份", "所属城市", "所属区县", "企业地址"]
    firms = [f for f in pool()[:REGISTRY_SIZE] if f.ownership != "domestic"][:22]
    rows = _platform_rows(firms, Sheet("x", columns), style="qcc",
                          statuses=["存续（在营、开业、在册）"] * 5 + ["在业", "吊销，未注销", "注销", "迁出"])
    spare = spare_codes()
    bad = {  # position in the list → (column, written value, refusal)
        3: ("统一社会信用代码", wrong_check(firms[3].uscc),
            Refusal("uscc.check_char", "统一社会信用代码", "the 18th character is not the GB 32100 check character of "
                    "the first 17", firms[3].uscc)),
        7: ("成立日期", "2015-02-30", Refusal("date.invalid", "成立日期", "there is no 30 February", "2015-02-03")),
        10: ("企业类型", "合资", Refusal("vocab.ambiguous", "企业类型", "合资 (joint venture) does not say whether the "
                                     "partner is foreign or from Hong Kong/Macao/Taiwan", "有限责任公司（中外合资）")),
        13: ("国标行业", "I6513 互联网游戏服务",
             Refusal("industry.code_name_mismatch", "国标行业", "code 6513 is 应用软件开发, the name is that of 6422",
                     "I6513 应用软件开发")),
        16: ("注册资本", "若干", Refusal("number.unparsed", "注册资本", "若干 ('some') is not an amount", "500万美元")),
        19: ("成立日期", "2035-08-01", Refusal("date.future", "成立日期", "a firm cannot be established in the "
                                           "future", "2020-08-01")),
    }
    sheet = Sheet("企查查导出", columns)
    sheet.line("杨浦区外资企业名录（截至2024年5月）", "title")
    sheet.line(f"导出时间：2024-05-31 09:12:45　　共导出 {len(rows) + 2} 条数据　　数据来源：企查查", "export_info")
    sheet.header(columns)
    for k, row in enumerate(rows):
        values, probes, refuse = dict(row["values"], 序号=_next_seq(sheet)), dict(row["probes"]), []
        if k in bad:
            column, text, refusal = bad[k]
            values[column] = text
            probes.pop(column, None)
            refuse.append(refusal)
        if k == 5:  # typed by hand: lower case, with spaces — the same code
            values["统一社会信用代码"] = " ".join([firms[k].uscc[:8], firms[k].uscc[8:].lower()])
            probes["统一社会信用代码"] = {"uscc": firms[k].uscc}
        sheet.data(values, refuse=refuse, probes=probes)
        if k == 11:  # the same firm exported twice under its former name
            sheet.data(dict(values, 序号=_next_seq(sheet), 企业名称=firms[k].name_zh.replace("有限公司", "（中国）有限公司")),
                       refuse=[Refusal("duplicate.key", "统一社会信用代码", f"the code is already on row "
                                       f"{sheet.rows[-1].number}", spare.uscc())])
    old = spare.old_registration_number()
    sheet.data({"序号": _next_seq(sheet), "企业名称": "上海恒远贸易发展有限公司", "统一社会信用代码": old, "法定代表人": "陈刚",
                "登记状态": "注销", "成立日期": "1998-06-18", "注册资本": "200万美元",
                "企业类型": "有限责任公司(外国法人独资)", "国标行业": "-", "参保人数": "-", "所属省份": "上海市",
                "所属城市": "上海市", "所属区县": "杨浦区", "企业地址": "上海市杨浦区平凉路988号"},
               refuse=[Refusal("uscc.length", "统一社会信用代码", "15 digits: an old 工商注册号 from before the USCC "
                               "reform, not an 18-character USCC", spare.uscc(new_style=False))])
    sheet.blank()
    sheet.line("数据来源：企查查（www.qcc.com），数据仅供参考，以国家企业信用信息公示系统为准。", "footer")
    fields = dict(ENTERPRISE_FIELDS)
    return CorpusFile("qcc_foreign_firms.xlsx", "enterprises",
                      "an enterprise list exported from a 企查查-style company-data platform; the officer typed a "
                      "title above it", [sheet], sheet, fields, {"type": "xlsx"},
                      lambda clean: xlsx_bytes([sheet], clean=clean))


def tyc_firms_export() -> CorpusFile:
    """天眼查-style export (公司名称, 公司类型, 国标行业 as names) of HK/Macao/Taiwan and domestic firms."""
    columns = ["公司名称", "登记状态", "法定代表人", "注册资本", "成立日期", "统一社会信用代码", "公司类型", "国标行业",
               "参保人数", "所属省份", "所属城市", "所属区县", "注册地址", "英文名称"]
    firms = [f for f in pool()[:REGISTRY_SIZE] if f.ownership != "foreign"][:18]
    rows = _platform_rows(firms, Sheet("x", columns), style="tyc",
                          statuses=["存续", "在业", "存续", "迁入", "吊销，已注销", "存续"])
    sheet = Sheet("天眼查", columns)
    sheet.line("天眼查 - 查询结果导出", "title")
    sheet.line("搜索条件：所属地区：上海市杨浦区；企业类型：港澳台投资企业、内资企业", "export_info")
    sheet.line("导出时间：2024年05月31日 10:21", "export_info")
    sheet.blank()
    sheet.header(columns)
    spare = spare_codes()
    for k, row in enumerate(rows):
        values, probes, refuse, notes = dict(row["values"]), dict(row["probes"]), [], {}
        if k == 2:
            values["国标行业"] = "软件开发"
            probes["国标行业"] = {"industry_code": "651"}
            notes["国标行业"] = "an exact 中类 name: stored at 3-digit precision, never guessed down to a 小类"
        if k == 4:
            values["成立日期"], expect = date_cell(firms[k].established, "month_dash")
            probes["成立日期"] = {"established_on": expect}
        if k == 6:
            values["国标行业"] = "软件"
            probes.pop("国标行业")
            refuse.append(Refusal("industry.name_not_exact", "国标行业", "软件 is not a GB/T 4754-2017 name; the "
                                  "report may suggest 软件开发 (651) and its 小类", "应用软件开发"))
        if k == 9:
            values["统一社会信用代码"] = "-"
            values["登记状态"] = "吊销，未注销"
            probes["登记状态"] = status_expect("吊销，未注销")
            refuse.append(Refusal("required.missing", "统一社会信用代码", "the code is the key of a firm: '-' "
                                  "means it is missing", spare.uscc()))
        if k == 12:
            values["登记状态"] = "清算"
            probes.pop("登记状态")
            refuse.append(Refusal("vocab.unmapped", "登记状态", "清算 (in liquidation) is in no status vocabulary; "
                                  "an office adds it to its local vocabulary", "存续"))
        if k == 14:
            values["公司类型"] = "其他"
            probes.pop("公司类型")
            refuse.append(Refusal("vocab.unmapped", "公司类型", "其他 ('other') says nothing of the ownership",
                                  "其他有限责任公司"))
        sheet.data(values, refuse=refuse, probes=probes, notes=notes)
    return CorpusFile("tyc_firms_export.xlsx", "enterprises",
                      "an enterprise list exported from a 天眼查-style company-data platform (search conditions "
                      "and export time above the header)", [sheet], sheet, dict(ENTERPRISE_FIELDS), {"type": "xlsx"},
                      lambda clean: xlsx_bytes([sheet], clean=clean, author="tianyancha"))

