"""An NBS 一套表 financial table as the district statistics bureau passes it on: form number, 报告期 and
计量单位 lines above the header, the code row 甲/乙/丙/丁 then 1/2/3 under it, group headings, 小计 and 合计 rows,
and the signature footer."""

from __future__ import annotations

from typing import Any

from .codes import wrong_check
from .expected import CorpusFile
from .firms import REGISTRY_SIZE, pool
from .layout import Refusal, Sheet
from .spell import rounded
from .writers import xlsx_bytes

NBS_CODE = {"foreign": ["330", "310", "340", "390"], "hmt": ["230", "210", "240"]}


def nbs_financials() -> CorpusFile:
    columns = ["单位详细名称", "统一社会信用代码", "行业代码", "登记注册类型", "营业收入（千元）", "营业成本",
               "税金及附加", "应交税费（千元）", "应付职工薪酬", "从业人员期末人数（人）"]
    amounts = columns[4:9]
    fields = {"统一社会信用代码": "uscc of a registered firm",
              "营业收入（千元）": "revenue of 2023, yuan (千元 × 1,000)",
              "应交税费（千元）": "tax of 2023, yuan (千元 × 1,000) — taxes payable (应交税费), as the NBS profile maps "
                             "it; the report says the field's source is 应交税费",
              "从业人员期末人数（人）": "employees at the end of 2023"}
    sheet = Sheet("F103", columns)
    sheet.line("规模以上服务业企业财务状况", "title")
    sheet.line("表　号：F103表　　制定机关：国家统计局", "export_info")
    sheet.line("综合机关名称：上海市杨浦区统计局　　报告期：2023年", "export_info")
    sheet.line("计量单位：千元", "unit_line", merge=False)
    sheet.header(columns)
    sheet.skip(["甲", "乙", "丙", "丁", 1, 2, 3, 4, 5, 6], "code_row")
    registered = pool()[:REGISTRY_SIZE]
    groups = [("一、外商投资企业", [f for f in registered if f.ownership == "foreign"][:9]),
              ("二、港澳台投资企业", [f for f in registered if f.ownership == "hmt"][:6])]
    spare_firm = [f for f in registered if f.ownership == "foreign"][9]
    unknown = pool()[55]
    totals: list[dict[str, float]] = []
    for group, (heading, members) in enumerate(groups):
        sheet.line(heading, "heading")
        sums = {c: 0.0 for c in amounts + columns[9:]}
        for k, f in enumerate(members):
            revenue = 12_000 + (f.index * 7919) % 480_000
            values: dict[str, Any] = {
                "单位详细名称": f.name_zh, "统一社会信用代码": f.uscc, "行业代码": f.industry,
                "登记注册类型": NBS_CODE[f.ownership][k % len(NBS_CODE[f.ownership])], "营业收入（千元）": revenue,
                "营业成本": round(revenue * 0.71), "税金及附加": round(revenue * 0.004),
                "应交税费（千元）": round(revenue * 0.052), "应付职工薪酬": round(revenue * 0.18),
                "从业人员期末人数（人）": f.insured}
            for c in sums:
                sums[c] += values[c]
            probes = {"营业收入（千元）": {"year": 2023, "revenue_yuan": revenue * 1000},
                      "应交税费（千元）": {"year": 2023, "tax_yuan": values["应交税费（千元）"] * 1000},
                      "从业人员期末人数（人）": {"year": 2023, "employees": f.insured}}
            refuse = []
            if group == 0 and k == 2:
                values["统一社会信用代码"] = wrong_check(f.uscc)
                refuse.append(Refusal("uscc.check_char", "统一社会信用代码", "wrong GB 32100 check character", f.uscc))
            if group == 0 and k == 5:
                values["营业收入（千元）"] = -revenue
                refuse.append(Refusal("number.negative", "营业收入（千元）", "revenue cannot be negative", revenue))
            if group == 0 and k == 7:
                values["从业人员期末人数（人）"] = "—"
                probes.pop("从业人员期末人数（人）")
            if group == 1 and k == 1:
                values |= {"统一社会信用代码": unknown.uscc, "单位详细名称": unknown.name_zh}
                refuse.append(Refusal("reference.unknown_firm", "统一社会信用代码", "a valid code that no registered "
                                      "firm has", f.uscc))
            sheet.data(values, refuse=refuse, probes=probes)
        if group == 1:  # the same firm entered twice, once in each group
            first = groups[0][1][0]
            sheet.data({"单位详细名称": first.name_zh, "统一社会信用代码": first.uscc, "行业代码": first.industry,
                        "登记注册类型": "230", "营业收入（千元）": 5_000, "营业成本": 3_600, "税金及附加": 20,
                        "应交税费（千元）": 260, "应付职工薪酬": 900, "从业人员期末人数（人）": 40},
                       refuse=[Refusal("duplicate.key", "统一社会信用代码", "(firm, 2023) is already on row "
                                       f"{_row_of(sheet, first.uscc)}", spare_firm.uscc)])
        totals.append(sums)
        sheet.skip({"单位详细名称": "小计"} | {c: rounded(v) for c, v in sums.items()}, "subtotal")
    sheet.skip({"单位详细名称": "合计"} | {c: rounded(sum(t[c] for t in totals)) for c in totals[0]}, "total")
    sheet.blank()
    sheet.line("单位负责人：　　　统计负责人：　　　填表人：张丽　　　审核人：李强　　　报出日期：2024年3月15日", "footer")
    sheet.line("说明：本表为测试用合成数据。", "footer")
    facts = {"year": "2023, from the 报告期 line (row 3): the table has no year column",
             "acceptable_instead": "refused whole naming the missing 年度 and how to give it (a --year option or "
                                   "a profile); never a default year",
             "unit_line": "row 4 计量单位：千元 (agrees with the units in the headers)",
             "code_row": "row 6 甲 乙 丙 丁 1 2 … is the NBS column-code row, not data"}
    return CorpusFile("nbs_f103_financials.xlsx", "financials",
                      "an NBS 一套表 F103 financial-status extract of the district's above-scale service firms, as the "
                      "district statistics bureau sends it", [sheet], sheet, fields, {"type": "xlsx"},
                      lambda clean: xlsx_bytes([sheet], clean=clean, author="杨浦区统计局"),
                      requires=["registry_base.csv"], facts=facts)


def _row_of(sheet: Sheet, uscc: str) -> int:
    column = sheet.columns.index("统一社会信用代码")
    return next(r.number for r in sheet.rows if r.role == "data" and r.cells[column] == uscc)
