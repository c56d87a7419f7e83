"""Services-trade monitoring extracts (issue #12) as the district bureau receives them from the commerce
ministry's services-trade statistical monitoring system: a long table, a wide table with one column per month,
and a wide table with one column per partner country — each with totals."""

from __future__ import annotations

from typing import Any

from .expected import CorpusFile
from .firms import REGISTRY_SIZE, Firm, meaning, pool, value_of
from .layout import Info, Refusal, Sheet
from .spell import rounded
from .writers import csv_bytes, xlsx_bytes

# service category spelling by the firm's GB/T 4754 code
CATEGORY = {"6513": "电信、计算机和信息服务", "6450": "SI", "6531": "计算机服务", "7491": "其他商业服务",
            "7492": "其他商业服务", "6572": "个人、文化和娱乐服务", "7320": "研发成果转让费及委托研发",
            "7520": "知识产权使用费", "7212": "金融服务", "2720": "SJ1", "3581": "SJ1"}
PARTNERS = ["越南", "泰国", "新加坡", "马来西亚", "印度尼西亚", "巴西", "墨西哥", "智利", "美国", "德国", "日本",
            "中国香港", "Viet Nam", "Lao PDR", "菲律宾", "柬埔寨"]
PERIODS = [("2024-01", "2024-01"), ("202402", "2024-02"), ("2024年3月", "2024-03"), ("2024.01", "2024-01")]
MODES = ["跨境交付", "跨境交付", "商业存在", "自然人流动", "境外消费", "模式一"]


def category_expect(text: str) -> dict[str, Any]:
    entry = meaning("service_category", text)
    return {"service_category": entry["value"], "digitally_deliverable": entry["digitally_deliverable"]}


def _exporters() -> list[Firm]:
    return [f for f in pool()[:REGISTRY_SIZE] if f.industry in CATEGORY]


def trade_long() -> CorpusFile:
    columns = ["序号", "统一社会信用代码", "企业名称", "统计期", "服务类别", "国别（地区）", "交付模式", "出口金额（美元）",
               "进口金额（美元）"]
    fields = {"统一社会信用代码": "firm (uscc of a registered firm)", "统计期": "period, with precision month / quarter",
              "服务类别": "service category (EBOPS 2010 code) and whether it is digitally deliverable",
              "国别（地区）": "partner economy (ISO 3166-1 alpha-3)", "交付模式": "mode of supply (GATS 1–4)",
              "出口金额（美元）": "an export flow: amount in USD (currency kept)",
              "进口金额（美元）": "an import flow: amount in USD (currency kept)"}
    sheet = Sheet("监测数据", columns)
    sheet.line("杨浦区重点企业服务贸易统计监测数据（2024年1-3月）", "title")
    sheet.line("数据来源：服务贸易统计监测管理信息系统（区级导出）　导出时间：2024-04-20", "export_info")
    sheet.line("金额单位：美元", "unit_line", merge=False)
    sheet.header(columns)
    exporters = _exporters()[:12]
    unknown = pool()[57]
    seq, total_x, total_m = 0, 0, 0
    for k, f in enumerate(exporters):
        for j in range(2):
            seq += 1
            period_text, month = PERIODS[(k + j) % len(PERIODS)]
            period: str | None = month
            if k == 9 and j == 1:
                period_text, period = "2024年一季度", None
            partner = PARTNERS[(3 * k + j) % len(PARTNERS)]
            category = CATEGORY[f.industry]
            export = 20_000 + (f.index * 7717 + j * 3301) % 900_000
            imported: Any = (f.index * 131) % 50_000 if (k + j) % 3 == 0 else "-"
            mode = MODES[(k + j) % len(MODES)]
            values = {"序号": seq, "统一社会信用代码": f.uscc, "企业名称": f.name_zh, "统计期": period_text,
                      "服务类别": category, "国别（地区）": partner, "交付模式": mode, "出口金额（美元）": export,
                      "进口金额（美元）": imported}
            total_x += export
            total_m += imported if isinstance(imported, int) else 0
            probes: dict[str, dict[str, Any]] = {
                "统计期": ({"period": period, "precision": "month"} if period else
                         {"period": "2024-Q1", "precision": "quarter"}),
                "服务类别": category_expect(category), "国别（地区）": {"partner": value_of("country", partner)},
                "交付模式": {"mode": value_of("mode", mode)},
                "出口金额（美元）": {"direction": "export", "amount": export, "currency": "USD"}}
            if isinstance(imported, int):
                probes["进口金额（美元）"] = {"direction": "import", "amount": imported, "currency": "USD"}
            notes = {"进口金额（美元）": "0 is a reported zero: a record of 0"} if imported == 0 else {}
            refuse = []
            bad = {(1, 0): ("服务类别", "数字服务", "vocab.unmapped", "数字服务 is not an EBOPS 2010 category"),
                   (3, 1): ("国别（地区）", "东盟", "country.not_a_country", "东盟 is a group of economies"),
                   (5, 0): ("出口金额（美元）", -export, "number.negative", "an export amount cannot be negative"),
                   (7, 1): ("统计期", "2024-13", "date.invalid", "there is no 13th month"),
                   (8, 0): ("交付模式", "线上", "vocab.unmapped", "线上 (online) is not a GATS mode; 跨境交付 is mode 1")}
            if (k, j) in bad:
                column, text, code, why = bad[(k, j)]
                refuse.append(Refusal(code, column, why, values[column]))
                values[column] = text
            rows = 1 + isinstance(imported, int)
            sheet.data(values, refuse=refuse, probes=probes, notes=notes, records=rows)
    first = exporters[0]
    dup = sheet.rows[4]  # the first data row
    sheet.data(dict(zip(columns, dup.cells, strict=True)) | {"序号": seq + 1, "出口金额（美元）": 12_345},
               refuse=[Refusal("duplicate.key", "国别（地区）", f"(firm, period, partner, category, export) is already "
                               f"on row {dup.number}", "柬埔寨")], records=1 + isinstance(dup.cells[8], int))
    sheet.data({"序号": seq + 2, "统一社会信用代码": unknown.uscc, "企业名称": unknown.name_zh, "统计期": "2024-02",
                "服务类别": "SI", "国别（地区）": "新加坡", "交付模式": "跨境交付", "出口金额（美元）": 50_000,
                "进口金额（美元）": "-"},
               refuse=[Refusal("reference.unknown_firm", "统一社会信用代码", "no registered firm has this code",
                               first.uscc)])
    sheet.skip({"序号": "合计", "出口金额（美元）": total_x + 12_345 + 50_000, "进口金额（美元）": total_m}, "total")
    facts = {"shape": "long: a row yields an export flow and, where 进口金额 has a value, an import flow",
             "duplicate_key": "(firm, period, partner, category, direction)"}
    return CorpusFile("trade_services_long.xlsx", "trade_flows",
                      "a services-trade monitoring extract in long form: one row per firm, period, partner and "
                      "category, export and import side by side", [sheet], sheet, fields, {"type": "xlsx"},
                      lambda clean: xlsx_bytes([sheet], clean=clean, author="服务贸易统计监测"),
                      requires=["registry_base.csv"], facts=facts)


MONTHS = [f"2024年{m}月" for m in range(1, 7)]


def trade_wide_months() -> CorpusFile:
    columns = ["统一社会信用代码", "企业名称", "服务类别", "国别（地区）", *MONTHS, "1-6月合计"]
    fields = {"统一社会信用代码": "firm (uscc of a registered firm)", "服务类别": "service category (EBOPS 2010)",
              "国别（地区）": "partner economy (ISO alpha-3)"}
    fields |= {m: f"export of {m[:4]}-{int(m[5:-1]):02d}, USD (万美元 × 10,000, from the 单位 line)" for m in MONTHS}
    sheet = Sheet("出口", columns)
    sheet.line("2024年1-6月杨浦区重点企业服务出口月度数据", "title")
    sheet.line("单位：万美元", "unit_line", merge=False)
    sheet.header(columns)
    totals = [0.0] * len(MONTHS)
    for k, f in enumerate(_exporters()[:10]):
        partner = PARTNERS[k % 8]
        values: dict[str, Any] = {"统一社会信用代码": f.uscc, "企业名称": f.name_zh, "服务类别": CATEGORY[f.industry],
                                  "国别（地区）": partner}
        probes: dict[str, dict[str, Any]] = {"服务类别": category_expect(CATEGORY[f.industry]),
                                             "国别（地区）": {"partner": value_of("country", partner)}}
        filled = 0
        row_sum = 0.0
        for m, month in enumerate(MONTHS):
            if k == 2 and m < 2:  # exporting since March: the first months are empty, not zero
                values[month] = "-" if m == 0 else None
                continue
            amount = round(3 + ((f.index + 1) * (m + 3) * 37 % 400) / 10, 2)
            values[month] = amount
            totals[m] += amount
            row_sum += amount
            filled += 1
            probes[month] = {"period": f"2024-{m + 1:02d}", "precision": "month", "direction": "export",
                             "amount": rounded(amount * 10_000, 2), "currency": "USD"}
        values["1-6月合计"] = round(row_sum, 2)
        refuse = []
        if k == 4:
            refuse.append(Refusal("number.approximate", "2024年5月", "约 is an estimate", values["2024年5月"]))
            values["2024年5月"] = f"约{values['2024年5月']}"
        if k == 6:
            refuse.append(Refusal("country.unknown", "国别（地区）", "其他国家（地区） names no economy", partner))
            values["国别（地区）"] = "其他国家（地区）"
        sheet.data(values, refuse=refuse, probes=probes, records=filled)
    sheet.skip({"统一社会信用代码": "合计"} | {m: round(t, 2) for m, t in zip(MONTHS, totals, strict=True)}
               | {"1-6月合计": round(sum(totals), 2)}, "total")
    facts = {"direction": "export, from the title (服务出口) and the sheet name 出口",
             "shape": "wide: one export flow per firm, partner, category and filled month cell; '-' and empty "
                      "cells are no flow (never 0)",
             "totals_column": "1-6月合计 is a row total, not a period: skipped (and may be checked against the sum)",
             "unit_line": "row 2 单位：万美元 applies to every month column"}
    info = Info("填报说明", ["本表由服务贸易统计监测系统导出，金额单位为万美元。", "（测试用合成数据）"])
    return CorpusFile("trade_services_wide_months.xlsx", "trade_flows",
                      "a monitoring extract with one column per month (万美元), a row-total column and a 合计 row",
                      [info, sheet], sheet, fields, {"type": "xlsx"},
                      lambda clean: xlsx_bytes([info, sheet], clean=clean), requires=["registry_base.csv"],
                      facts=facts)


COUNTRY_COLUMNS = ["越南", "泰国", "新加坡", "马来西亚", "印度尼西亚", "Lao PDR", "巴西", "墨西哥", "智利", "东盟其他"]


def trade_wide_countries() -> CorpusFile:
    columns = ["企业名称", "统一社会信用代码", "服务类别", *COUNTRY_COLUMNS, "合计"]
    fields = {"统一社会信用代码": "firm (uscc of a registered firm)", "服务类别": "service category (EBOPS 2010)"}
    fields |= {c: f"export of 2023 to {value_of('country', c) if c != '东盟其他' else '(refused column)'}, USD"
               for c in COUNTRY_COLUMNS}
    sheet = Sheet("csv", columns)
    sheet.line("2023年杨浦区重点企业服务出口分国别（地区）统计", "title", merge=False)
    sheet.line("单位：美元", "unit_line", merge=False)
    sheet.header(columns)
    sums = {c: 0 for c in COUNTRY_COLUMNS}
    for k, f in enumerate(_exporters()[2:11]):
        values: dict[str, Any] = {"企业名称": f.name_zh, "统一社会信用代码": f.uscc, "服务类别": CATEGORY[f.industry]}
        probes: dict[str, dict[str, Any]] = {"服务类别": category_expect(CATEGORY[f.industry])}
        filled = 0
        for c, country in enumerate(COUNTRY_COLUMNS):
            if (k + c) % 3 == 2:
                values[country] = "" if c % 2 else "/"
                continue
            amount = 5_000 + (f.index * 9973 + c * 1231) % 250_000
            values[country] = amount
            sums[country] += amount
            filled += 1
            if country != "东盟其他":
                probes[country] = {"period": "2023", "precision": "year", "direction": "export",
                                   "partner": value_of("country", country), "amount": amount, "currency": "USD"}
        values["合计"] = sum(v for c, v in values.items() if c in COUNTRY_COLUMNS and isinstance(v, int))
        refuse = []
        if k == 3:
            refuse.append(Refusal("reference.unknown_firm", "统一社会信用代码", "no registered firm has this code",
                                  f.uscc))
            values["统一社会信用代码"] = pool()[58].uscc
        sheet.data(values, refuse=refuse, probes=probes, records=filled)
    sheet.skip({"企业名称": "合计"} | sums | {"合计": sum(sums.values())}, "total")
    sheet.refuse_column(Refusal("country.not_a_country", "东盟其他", "东盟其他 (the rest of ASEAN) is no single "
                                "economy", None), "菲律宾")
    facts = {"period": "2023 (year precision), from the title", "direction": "export, from the title (服务出口)",
             "unit_line": "row 2 单位：美元", "shape": "wide: one flow per firm, category and filled country cell",
             "totals_column": "合计 is a row total: skipped"}
    return CorpusFile("trade_services_wide_countries.csv", "trade_flows",
                      "a yearly extract with one column per partner country (UTF-8 BOM CSV), a 合计 column and row",
                      [sheet], sheet, fields, {"type": "csv", "encoding": "utf-8", "delimiter": ",", "bom": True},
                      lambda clean: csv_bytes(sheet, encoding="utf-8", clean=clean, bom=True),
                      requires=["registry_base.csv"], facts=facts)
