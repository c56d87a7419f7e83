"""The expected outcome of one corpus file, computed from the same rows that the writers put in the file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from .layout import MISSING_WORDS, Info, Sheet, cell_text, cell_type

UNMAPPED = "no field: listed in the report as an ignored column"


@dataclass
class CorpusFile:
    name: str  # file name in the corpus folder
    kind: str  # import kind: enterprises, financials, projects, partners, heritage, spaces, trade_flows, any
    imitates: str
    sheets: list[Sheet | Info]
    table: Sheet | None  # the sheet that holds the table (None for hostile files without one)
    fields: dict[str, str]  # column → what it holds, in domain terms; absent → UNMAPPED
    fmt: dict[str, Any]  # how the file is written: type, encoding, delimiter, bom
    render: Callable[[bool], bytes]  # clean → bytes
    requires: list[str] = field(default_factory=list)  # corpus files to import first (the registry)
    facts: dict[str, Any] = field(default_factory=dict)  # table-level expectations (year from a 报告期 line …)
    outcome: dict[str, Any] | None = None  # set for hostile files: the outcome that replaces the row listing
    big: bool = False  # generated only with --big

    @property
    def clean_name(self) -> str:
        stem, dot, ext = self.name.rpartition(".")
        return f"{stem}.clean.{ext}" if dot else f"{self.name}.clean"

    @property
    def has_refusals(self) -> bool:
        table = self.table
        return bool(table and (table.column_refusals or any(r.refusals for r in table.rows)))


def _ref(sheet: Sheet, row: int, column: str) -> str:
    return f"{get_column_letter(sheet.columns.index(column) + 1)}{row}"


def _merged_from(sheet: Sheet, row: int, column: str) -> str | None:
    for name, first, last in sheet.merged_down:
        if name == column and first < row <= last:
            return _ref(sheet, first, column)
    return None


def _row_text(cells: list[Any]) -> str:
    text = " | ".join(t for t in (cell_text(c) for c in cells) if t)
    return text if len(text) <= 80 else text[:77] + "…"


def expected_record(spec: CorpusFile) -> dict[str, Any]:
    record: dict[str, Any] = {"file": spec.name, "kind": spec.kind, "imitates": spec.imitates, "format": spec.fmt}
    if spec.requires:
        record["requires"] = spec.requires
    skipped_sheets = [{"sheet": s.name, "reason": "information sheet (说明), no table"}
                      for s in spec.sheets if isinstance(s, Info)]
    skipped_sheets += [{"sheet": s.name, "reason": "no table of this kind"}
                       for s in spec.sheets if isinstance(s, Sheet) and s is not spec.table]
    if spec.outcome is not None:
        record["outcome"] = spec.outcome
    table = spec.table
    if table is None:
        return record
    record["table"] = {
        "sheet": table.name if spec.fmt["type"] == "xlsx" else None,
        "header_rows": table.header_rows,
        "columns": [{"col": get_column_letter(i + 1), "header": c, "holds": spec.fields.get(c, UNMAPPED)}
                    for i, c in enumerate(table.columns)],
    }
    if skipped_sheets:
        record["sheets_skipped"] = skipped_sheets
    if spec.facts:
        record["table_facts"] = spec.facts
    data = [r for r in table.rows if r.role == "data"]
    refused = [r for r in data if r.refusals]
    if spec.outcome is None:
        valid_records = sum(r.records for r in data if not r.refusals)
        if spec.has_refusals:
            reasons = f"{len(refused)} row(s) and {len(table.column_refusals)} column(s) refused"
            record["outcome"] = {
                "as_generated": "refused whole (all-or-nothing): nothing is written",
                "why": reasons, "valid_rows": len(data) - len(refused),
                "valid_records": valid_records,
                "clean_variant": {"file": spec.clean_name, "outcome": "imported",
                                  "records": sum(r.records for r in data)},
            }
        else:
            record["outcome"] = {"as_generated": "imported", "records": valid_records}
    record["rows"] = {
        "valid": [r.number for r in data if not r.refusals],
        "refused": [{"row": r.number, "column": f.column, "ref": _ref(table, r.number, f.column),
                     "cell": cell_text(r.cells[table.columns.index(f.column)]), "code": f.code, "why": f.why,
                     "clean_variant_value": cell_text(f.fixed)}
                    for r in refused for f in r.refusals],
        "skipped": [{"row": r.number, "reason": r.reason, "text": _row_text(r.cells)}
                    for r in table.rows if r.role == "skip"],
    }
    if table.column_refusals:
        record["column_refusals"] = [
            {"column": f.column, "code": f.code, "why": f.why, "clean_variant_header": clean_header}
            for f, clean_header in table.column_refusals]
    if table.merged_down:
        record["merged_cells"] = [
            {"column": c, "range": f"{_ref(table, a, c)}:{_ref(table, b, c)}",
             "value": cell_text(table.rows[a - 1].cells[table.columns.index(c)]),
             "rule": "every row of the range takes the value of its top-left cell"}
            for c, a, b in table.merged_down]
    missing = [{"row": r.number, "column": c, "cell": cell_text(v)}
               for r in data for c, v in zip(table.columns, r.cells, strict=False)
               if isinstance(v, str) and v.strip() in MISSING_WORDS]
    if missing:
        record["missing_values"] = {"rule": "stored as empty (never 0), counted per column in the report's notes",
                                    "cells": missing}
    probes = []
    for r in data:
        for column, expect in r.probes.items():
            value = r.cells[table.columns.index(column)]
            probe: dict[str, Any] = {"row": r.number, "column": column, "ref": _ref(table, r.number, column)}
            merged = _merged_from(table, r.number, column)
            if merged:
                probe |= {"cell": None, "merged_from": merged}
            else:
                probe |= {"cell": cell_text(value), "cell_type": cell_type(value)}
            probe["expect"] = expect
            if column in r.notes:
                probe["note"] = r.notes[column]
            if column in r.or_refuse:
                probe["or_refused_with"] = r.or_refuse[column]
            probes.append(probe)
    if probes:
        record["probes"] = probes
    return record
