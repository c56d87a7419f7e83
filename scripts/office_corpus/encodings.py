"""CSV files in the encodings offices really produce: Excel "CSV" on a Chinese Windows (code page 936, with the
euro sign at byte 0x80), GB18030 with characters GBK lacks, Excel "Unicode text" (UTF-16 LE, tab-separated),
"CSV UTF-8" (BOM), and a Big5 file from a Taiwanese business association — which decodes without error as GB18030
into nonsense, so a reader must recognise it rather than trust a successful decode."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .codes import with_letter_o, wrong_check
from .expected import CorpusFile
from .firms import REGISTRY_SIZE, pool, spare_codes, value_of
from .layout import Refusal, Sheet
from .spell import date_cell
from .writers import csv_bytes

FIELDS = {"企业名称": "name_zh (exactly as written, every character)", "统一社会信用代码": "uscc",
          "企业类型": "ownership (foreign / hmt / domestic)", "投资方国别": "origin_country (ISO 3166-1 alpha-3)",
          "国别": "origin_country (ISO 3166-1 alpha-3)", "成立日期": "established_on, with its precision",
          "注册地址": "address", "地址": "address", "行业代码": "industry_code (GB/T 4754-2017)",
          "国民经济行业代码": "industry_code (GB/T 4754-2017)", "英文名称": "name_en",
          "登记状态": "status (active / closed / moved_out)", "注册资本": "registered capital: amount and currency"}


def _csv(name: str, imitates: str, sheet: Sheet, fmt: dict[str, Any], fields: dict[str, str],
         outcome: dict[str, Any] | None = None) -> CorpusFile:
    encoding = fmt["encoding"]
    return CorpusFile(name, "enterprises", imitates, [sheet], sheet, fields, {"type": "csv"} | fmt,
                      lambda clean: csv_bytes(sheet, encoding=encoding, clean=clean, delimiter=fmt["delimiter"],
                                              bom=fmt["bom"]), outcome=outcome)


def excel_cp936_firms() -> CorpusFile:
    columns = ["序号", "企业名称", "统一社会信用代码", "企业类型", "投资方国别", "成立日期", "注册资本", "行业代码",
               "注册地址", "备注"]
    sheet = Sheet("csv", columns)
    sheet.line("杨浦区欧资企业名单（2024年5月）", "title", merge=False)
    sheet.header(columns)
    european = [f for f in pool()[:REGISTRY_SIZE] if f.country in ("DEU", "FRA", "ITA", "NLD", "CHE", "SWE", "DNK",
                                                                   "GBR")][:12]
    for k, f in enumerate(european):
        date_text, date_expect = date_cell(f.established, "slash")
        euro = f"{f.capital_wan}万欧元"
        values = {"序号": k + 1, "企业名称": f.name_zh, "统一社会信用代码": f.uscc, "企业类型": f.type_text,
                  "投资方国别": f.country_text, "成立日期": date_text, "注册资本": euro, "行业代码": f.industry,
                  "注册地址": f.address, "备注": f"母公司注册资本€{(k + 2) * 1000}万" if k % 2 == 0 else None}
        probes: dict[str, dict[str, Any]] = {
                  "企业类型": {"ownership": f.ownership}, "投资方国别": {"origin_country": f.country},
                  "成立日期": {"established_on": date_expect},
                  "注册资本": {"registered_capital": {"amount": f.capital_wan * 10_000, "currency": "EUR"}}}
        refuse = []
        if k == 4:
            values["统一社会信用代码"] = wrong_check(f.uscc)
            refuse.append(Refusal("uscc.check_char", "统一社会信用代码", "wrong GB 32100 check character", f.uscc))
        if k == 8:
            values["成立日期"] = f"{f.established.day:02d}/{f.established.month:02d}/{f.established.year}"
            refuse.append(Refusal("date.ambiguous", "成立日期", "dd/mm/yyyy or mm/dd/yyyy cannot be told apart",
                                  date_text))
        sheet.data(values, refuse=refuse, probes=probes)
    return _csv("excel_cp936_firms.csv",
                "Excel 'CSV (逗号分隔)' saved on a Chinese Windows: code page 936, CRLF, the title row padded with "
                "commas, € written as byte 0x80 (not valid GB18030)", sheet,
                {"encoding": "cp936", "delimiter": ",", "bom": False}, FIELDS)


RARE = [("上海䶮龙信息技术有限公司", "刘䶮", "U+4DAE 䶮: GB18030 two-byte FE9F, a private-use character in GBK"),
        ("上海𫖯文创意设计有限公司", "赵𫖯", "U+2B5AF 𫖯: GB18030 four-byte, not in GBK"),
        ("上海𬭚锋数据科技有限公司", "王𬭚", "U+2CB5A 𬭚: GB18030 four-byte, not in GBK"),
        ("上海㛃美生物医药有限公司", "陈㛃", "U+36C3 㛃: GB18030 four-byte, not in GBK"),
        ("上海𬌗齿医疗器械有限公司", "李𬌗", "U+2C317 𬌗: GB18030 four-byte, not in GBK")]


def gb18030_rare_chars() -> CorpusFile:
    columns = ["企业名称", "统一社会信用代码", "法定代表人", "企业类型", "成立日期", "注册地址"]
    sheet = Sheet("csv", columns)
    sheet.header(columns)
    codes = spare_codes()
    plain = [f for f in pool()[:REGISTRY_SIZE] if f.ownership == "domestic"][:5]
    for k in range(10):
        if k % 2 == 0:
            name, rep, note = RARE[k // 2]
            code, type_text, day = codes.uscc(), "有限责任公司（自然人投资或控股）", dt.date(2019, 1 + k, 10 + k)
            address = f"上海市杨浦区国权路{100 + k}号"
        else:
            f = plain[k // 2]
            name, rep, note, code, type_text, day, address = (f.name_zh, f.legal_rep, None, f.uscc, f.type_text,
                                                               f.established, f.address)
        values = {"企业名称": name, "统一社会信用代码": code, "法定代表人": rep, "企业类型": type_text,
                  "成立日期": day.isoformat(), "注册地址": address}
        probes = {"企业名称": {"name_zh": name}, "企业类型": {"ownership": value_of("ownership", type_text)}}
        refuse = []
        if k == 7:
            values["统一社会信用代码"] = with_letter_o(code)
            refuse.append(Refusal("uscc.bad_char", "统一社会信用代码", "the letter O is not in the GB 32100 alphabet "
                                  "(typed for the digit 0)", code))
        sheet.data(values, refuse=refuse, probes=probes, notes={"企业名称": note} if note else None)
    return _csv("gb18030_rare_chars.csv",
                "a CSV exported by a registration system in GB18030, with name characters outside GBK (CJK "
                "extensions A, B, E): a GBK decoder fails or yields private-use characters", sheet,
                {"encoding": "gb18030", "delimiter": ",", "bom": False}, FIELDS)


def unicode_text_utf16() -> CorpusFile:
    columns = ["企业名称", "统一社会信用代码", "企业类型", "国别", "成立日期", "经营范围", "地址"]
    sheet = Sheet("txt", columns)
    sheet.header(columns)
    firms = [f for f in pool()[:REGISTRY_SIZE] if f.ownership != "domestic"][22:32]
    spellings = {"KOR": "Korea, Rep.", "HKG": "Hong Kong SAR, China", "DEU": "德意志联邦共和国"}
    for k, f in enumerate(firms):
        country = spellings.get(f.country or "", f.country_text)
        values = {"企业名称": f.name_zh, "统一社会信用代码": f.uscc, "企业类型": f.type_text, "国别": country,
                  "成立日期": f"{f.established.year}/{f.established.month}/{f.established.day}",
                  "经营范围": ("软件开发；信息技术咨询服务。\n（依法须经批准的项目，经相关部门批准后方可开展经营活动）"
                           if k % 3 == 0 else f"从事{f.trade[0]}领域内的技术开发、技术咨询、技术服务；\"{f.trade[0]}\"产品的销售"),
                  "地址": f.address}
        probes: dict[str, dict[str, Any]] = {
                  "国别": {"origin_country": f.country}, "企业类型": {"ownership": f.ownership},
                  "成立日期": {"established_on": date_cell(f.established, "slash")[1]}}
        notes = {"经营范围": "a cell with a line break, quoted as Excel quotes it"} if k % 3 == 0 else None
        refuse = []
        if k == 5:
            refuse.append(Refusal("country.ambiguous", "国别", "Korea is the Republic of Korea (KOR) or the DPRK (PRK)",
                                  country))
            values["国别"] = "Korea"
        if notes:
            probes["经营范围"] = {"business_scope": values["经营范围"]}
        sheet.data(values, refuse=refuse, probes=probes, notes=notes)
    return _csv("unicode_text_utf16.txt",
                "Excel 'Unicode 文本 (*.txt)': UTF-16 LE with a byte-order mark, tab-separated, CRLF, cells with "
                "line breaks or quotes quoted", sheet, {"encoding": "utf-16-le", "delimiter": "\t", "bom": True},
                FIELDS | {"经营范围": "business_scope (line breaks kept)"})


def utf8_bom_firms() -> CorpusFile:
    columns = ["统一社会信用代码", "企业名称", "英文名称", "企业类型", "国别", "国民经济行业代码", "成立日期", "注册地址",
               "登记状态"]
    sheet = Sheet("csv", columns)
    sheet.header(columns)
    firms = list(pool()[30:REGISTRY_SIZE])[:12]
    statuses = ["存续（在营、开业、在册）", "存续（在营、开业、在册）", "吊销，未注销", "注销", "存续（在营、开业、在册）"]
    types = {"domestic": "173", "foreign": "330 外资企业", "hmt": "230 港、澳、台商独资经营企业"}
    for k, f in enumerate(firms):
        code = f.uscc
        if k == 1:  # typed with full-width characters, as an input method leaves them
            code = "".join(chr(ord(c) + 0xFEE0) for c in f.uscc)
        status = statuses[k % len(statuses)]
        type_text = types[f.ownership] if k % 2 else f.type_text
        values = {"统一社会信用代码": code, "企业名称": f.name_zh + ("  " if k == 3 else ""), "英文名称": f.name_en,
                  "企业类型": type_text, "国别": f.country_text or "", "国民经济行业代码": f.industry_text.split()[0],
                  "成立日期": f.established.isoformat(), "注册地址": f.address, "登记状态": status}
        probes: dict[str, dict[str, Any]] = {"企业类型": {"ownership": f.ownership},
                                             "国民经济行业代码": {"industry_code": f.industry},
                                             "登记状态": {"status": value_of("status", status)}}
        notes = {}
        if k == 1:
            probes["统一社会信用代码"] = {"uscc": f.uscc}
            notes["统一社会信用代码"] = "full-width letters and digits fold to the code (NFKC)"
        if k == 3:
            probes["企业名称"] = {"name_zh": f.name_zh}
            notes["企业名称"] = "trailing spaces are not part of the name"
        refuse = []
        if k == 6:
            refuse.append(Refusal("industry.unknown", "国民经济行业代码", "no such GB/T 4754-2017 code",
                                  values["国民经济行业代码"]))
            values["国民经济行业代码"] = "I6598"
        sheet.data(values, refuse=refuse, probes=probes, notes=notes)
    sheet.skip(["合计", f"共{len(firms)}户"], "total")
    sheet.skip([""] * len(columns), "blank")
    sheet.line("数据来源：杨浦区市场监督管理局，截至2024年5月（测试用合成数据）", "footer", merge=False)
    return _csv("utf8_bom_firms.csv",
                "Excel 'CSV UTF-8 (逗号分隔)': UTF-8 with a byte-order mark; a 合计 row, an empty row (commas only) and "
                "a 数据来源 footer below the table", sheet, {"encoding": "utf-8", "delimiter": ",", "bom": True},
                FIELDS)


TAIWAN = [("上海德瑞資訊科技有限公司", "Derui"), ("上海寶島軟體設計有限公司", "Baodao"),
          ("上海鴻圖數據服務有限公司", "Hongtu"), ("上海瑞豐醫療器材有限公司", "Ruifeng"),
          ("上海臺北動漫有限公司", "Taipei")]


def big5_taiwan_firms() -> CorpusFile:
    columns = ["企業名稱", "統一社會信用代碼", "企業類型", "投資方所在地區", "成立日期", "地址"]
    sheet = Sheet("csv", columns)
    sheet.line("楊浦區臺資企業名錄（2024年）", "title", merge=False)
    sheet.header(columns)
    codes = spare_codes()
    for k, (name, _) in enumerate(TAIWAN):
        day = dt.date(2012 + k, 2 + k, 3 + 2 * k)
        sheet.data({"企業名稱": name, "統一社會信用代碼": codes.uscc(), "企業類型": "有限責任公司(台港澳法人獨資)",
                    "投資方所在地區": "臺灣地區", "成立日期": f"{day.year}/{day.month}/{day.day}",
                    "地址": f"上海市楊浦區長陽路{1000 + 17 * k}號"},
                   probes={"企業名稱": {"name_zh": name}, "企業類型": {"ownership": "hmt"},
                           "投資方所在地區": {"origin_country": "TWN"}})
    data = csv_bytes(sheet, encoding="big5")
    data.decode("gb18030")  # the trap: these bytes are also "valid" GB18030 — a decoder must not stop there
    fields = {"企業名稱": "name_zh (Traditional characters as written)", "統一社會信用代碼": "uscc",
              "企業類型": "ownership", "投資方所在地區": "origin_country", "成立日期": "established_on", "地址": "address"}
    outcome = {"as_generated": "decoded as Big5 and imported (Traditional headers and values recognised), or "
                               "refused whole with encoding.unsupported naming Big5",
               "never": "decoded as GBK/GB18030: the bytes decode without error into wrong characters"}
    return _csv("big5_taiwan_firms.csv",
                "a CSV from a Taiwanese business association, in Big5 (Traditional Chinese)", sheet,
                {"encoding": "big5", "delimiter": ",", "bom": False}, fields, outcome=outcome)
