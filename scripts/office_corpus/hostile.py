"""Hostile spreadsheet and CSV structures (issue #13 item 1): small files that make a careless reader allocate by a
declared size, recurse without bound or inflate without limit. Each wraps a tiny valid enterprises table, so that
a reader that survives has something to import; the expected outcome says what surviving means."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape

from .codes import CodeMaker
from .expected import CorpusFile
from .firms import pool
from .rawzip import Part, zip_bytes

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = ["uscc", "name_zh", "ownership"]
SAFE = ("the process survives (no abort, no traceback), answers within its time budget, and its memory stays "
        "within the configured limits, whatever the file declares")


def _package(sheet_parts: Part, *, shared: bytes | None = None, level: int = 6) -> bytes:
    overrides = ('<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
                 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
    rels = f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared is not None:
        overrides += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                      'officedocument.spreadsheetml.sharedStrings+xml"/>')
        rels += f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    pkg = "http://schemas.openxmlformats.org/package/2006"
    parts = [
        Part("[Content_Types].xml", [(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="'
                                      f'{pkg}/content-types"><Default Extension="rels" ContentType="application/'
                                      'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                                      f'ContentType="application/xml"/>{overrides}</Types>').encode()]),
        Part("_rels/.rels", [(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
                              f'{pkg}/relationships"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" '
                              'Target="xl/workbook.xml"/></Relationships>').encode()]),
        Part("xl/workbook.xml", [(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {NS} '
                                  f'xmlns:r="{REL_NS}"><sheets><sheet name="企业名录" sheetId="1" r:id="rId1"/>'
                                  '</sheets></workbook>').encode()]),
        Part("xl/_rels/workbook.xml.rels", [(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                             f'<Relationships xmlns="{pkg}/relationships">{rels}</Relationships>')
                                            .encode()]),
        sheet_parts,
    ]
    if shared is not None:
        parts.append(Part("xl/sharedStrings.xml", [shared]))
    return zip_bytes(parts, level=level)


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def _row(number: int, values: list[Any], *, first_col: int = 0) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def col(i: int) -> str:
        return letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26]

    return f'<row r="{number}">' + "".join(_cell(f"{col(first_col + i)}{number}", v)
                                          for i, v in enumerate(values)) + "</row>"


def _table_rows() -> list[list[Any]]:
    return [HEADER] + [[f.uscc, f.name_zh, f.ownership] for f in pool()[:2]]


def _sheet(dimension: str, rows_xml: str, tail: str = "") -> Part:
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {NS}><dimension ref="{dimension}"/>'
           f'<sheetData>{rows_xml}{tail}</sheetData></worksheet>')
    return Part("xl/worksheets/sheet1.xml", [xml.encode()])


def _small_table_xml() -> str:
    return "".join(_row(i + 1, r) for i, r in enumerate(_table_rows()))


def _spec(name: str, imitates: str, render, outcome: dict[str, Any], *, kind: str = "enterprises",
          fmt: dict[str, Any] | None = None, big: bool = False) -> CorpusFile:
    return CorpusFile(name, kind, imitates, [], None, {}, fmt or {"type": "xlsx"}, lambda clean: render(),
                      outcome={"must": SAFE} | outcome, big=big)


def cell_xfd() -> CorpusFile:
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return _spec("hostile_cell_xfd1048576.xlsx", "a 3-row table plus one cell at XFD1048576, Excel's last cell",
                 lambda: _package(_sheet("A1:XFD1048576", _small_table_xml() + far)),
                 {"expected": "refused whole: xlsx.too_large (16,384 columns × 1,048,576 rows over the limits), "
                              "found from the declared dimension or the cell reference before any allocation",
                  "acceptable_instead": "the 2 data rows imported, the far cell reported as outside the table",
                  "real_rows": 4, "declared_dimension": "A1:XFD1048576"})


def cell_row_max() -> CorpusFile:
    far = '<row r="4294967295"><c r="A4294967295" t="inlineStr"><is><t>x</t></is></c></row>'
    return _spec("hostile_cell_row_4294967295.xlsx",
                 "a 3-row table plus one cell at row 4,294,967,295 (2³²−1, beyond Excel's 1,048,576 rows)",
                 lambda: _package(_sheet("A1:A4294967295", _small_table_xml() + far)),
                 {"expected": "refused whole: xlsx.bad_cell_reference (a row number beyond 1,048,576)",
                  "acceptable_instead": "refused with xlsx.too_large", "real_rows": 4,
                  "declared_dimension": "A1:A4294967295"})


UNDERSTATED_ROWS = 2000
FILLER = [f"备注{i}" for i in range(1, 28)]


def dimension_understated() -> CorpusFile:
    def render() -> bytes:
        codes = CodeMaker(7)
        rows = [_row(1, HEADER + FILLER)]
        for i in range(UNDERSTATED_ROWS):
            rows.append(_row(i + 2, [codes.uscc(), f"上海测试企业{i + 1:04d}有限公司", "foreign"] + [i] * 27))
        return _package(_sheet("A1:C3", "".join(rows)))

    return _spec("hostile_dimension_understated.xlsx",
                 f"a sheet whose <dimension> says A1:C3 while it holds {UNDERSTATED_ROWS:,} data rows × 30 columns",
                 render, {"expected": f"all {UNDERSTATED_ROWS:,} data rows imported (rows 2–{UNDERSTATED_ROWS + 1}), "
                                      "the 27 备注 columns listed as ignored; or refused whole by a row limit that "
                                      "names the real count",
                          "never": "only the 2 rows the dimension claims (a silent truncation)",
                          "real_rows": UNDERSTATED_ROWS + 1, "declared_dimension": "A1:C3"})


def dimension_overstated() -> CorpusFile:
    return _spec("hostile_dimension_overstated.xlsx",
                 "a 3-row table whose <dimension> claims A1:XFD1048576",
                 lambda: _package(_sheet("A1:XFD1048576", _small_table_xml())),
                 {"expected": "the 2 data rows imported (the real cells count, not the declared dimension)",
                  "acceptable_instead": "refused whole with xlsx.too_large, before any allocation",
                  "real_rows": 3, "declared_dimension": "A1:XFD1048576"})


def shared_strings_count() -> CorpusFile:
    def render() -> bytes:
        strings = [s for row in _table_rows() for s in row]
        sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst ' + NS +
               ' count="4294967295" uniqueCount="4294967295">' +
               "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>").encode()
        rows = "".join(f'<row r="{r + 1}">' + "".join(f'<c r="{"ABC"[c]}{r + 1}" t="s"><v>{3 * r + c}</v></c>'
                                                     for c in range(3)) + "</row>" for r in range(3))
        return _package(_sheet("A1:C3", rows), shared=sst)

    return _spec("hostile_shared_strings_count.xlsx",
                 "a shared-strings table that declares count = uniqueCount = 4,294,967,295 and holds 9 strings",
                 render, {"expected": "the 2 data rows imported (the declared counts are hints, never an allocation "
                                      "size)", "acceptable_instead": "refused whole with xlsx.shared_strings_limit",
                          "real_rows": 3})


DEPTH = 100_000


def deep_xml() -> CorpusFile:
    def render() -> bytes:
        rows = _table_rows()
        deep = "<r><t>x</t>" + "<x>" * DEPTH + "</x>" * DEPTH + "</r>"
        xml = (_row(1, rows[0]) + _row(2, rows[1]) +
               f'<row r="3">{_cell("A3", rows[2][0])}{_cell("B3", rows[2][1])}'
               f'<c r="C3" t="inlineStr"><is>{deep}</is></c></row>')
        return _package(_sheet("A1:C3", xml))

    return _spec("hostile_deep_xml.xlsx", f"a cell whose rich text nests {DEPTH:,} elements",
                 render, {"expected": "refused whole with xlsx.xml_too_deep, naming the sheet and cell C3",
                          "acceptable_instead": "row 3 refused (its ownership cell is not a known value), row 2 "
                                                "valid — if the reader flattens the nesting without recursion",
                          "never": "a RecursionError or stack overflow", "real_rows": 3})


BOMB_MB = 200


def zip_bomb() -> CorpusFile:
    filler = b'<row><c t="n"><v>1</v></c></row>' * 32768  # rows without r: each follows the previous one
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {NS}><dimension ref="A1:C3"/>'
            f"<sheetData>{_small_table_xml()}").encode()
    repeat = BOMB_MB * 1024 * 1024 // len(filler)
    sheet = Part("xl/worksheets/sheet1.xml", head=head, body=filler, repeat=repeat,
                 tail=b"</sheetData></worksheet>")
    return _spec("hostile_zip_bomb.xlsx",
                 f"a sheet of {BOMB_MB} MB of XML ({repeat * 32768:,} one-cell rows) deflated into a small file",
                 lambda: _package(sheet, level=9),
                 {"expected": "refused whole with xlsx.uncompressed_too_large, from the sizes in the zip directory "
                              "(or counted while inflating) before the XML is parsed",
                  "uncompressed_bytes": len(head) + len(filler) * repeat + 24, "declared_dimension": "A1:C3"})


def _csv_lines(header: list[str], rows: Iterator[list[str]]) -> bytes:
    return ("\r\n".join(",".join(r) for r in [header, *rows]) + "\r\n").encode("utf-8")


COLUMNS = 20_000


def csv_many_columns() -> CorpusFile:
    header = HEADER + [f"c{i}" for i in range(4, COLUMNS + 1)]

    def rows() -> Iterator[list[str]]:
        for f in pool()[:3]:
            yield [f.uscc, f.name_zh, f.ownership] + [""] * (COLUMNS - 3)

    return _spec("hostile_20000_columns.csv", f"a CSV with {COLUMNS:,} columns and 3 data rows",
                 lambda: _csv_lines(header, rows()),
                 {"expected": "refused whole with csv.too_many_columns (over the column limit)",
                  "acceptable_instead": f"the 3 rows imported, the {COLUMNS - 3:,} unknown columns listed (the list "
                                        "cut short in the report)", "real_rows": 4, "columns": COLUMNS},
                 fmt={"type": "csv", "encoding": "utf-8", "delimiter": ",", "bom": False})


def big_sheet() -> CorpusFile:
    rows_n, cols_n = 200_000, 100

    def chunks() -> Iterator[bytes]:
        codes = CodeMaker(11)
        yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {NS}>'
               f'<dimension ref="A1:CV{rows_n + 1}"/><sheetData>').encode()
        yield _row(1, HEADER + [f"v{i}" for i in range(4, cols_n + 1)]).encode()
        batch = []
        for i in range(rows_n):
            batch.append(_row(i + 2, [codes.uscc(), f"企业{i}", "domestic"] + [i % 997] * (cols_n - 3)))
            if len(batch) == 2000:
                yield "".join(batch).encode()
                batch = []
        yield ("".join(batch) + "</sheetData></worksheet>").encode()

    return _spec("hostile_200000x100.xlsx", "a 200,000 × 100 sheet (valid firms; 97 numeric columns)",
                 lambda: _package(Part("xl/worksheets/sheet1.xml", chunks()), level=1),
                 {"expected": "imported or refused by the row/cell limit, streaming: memory bounded by the limits, "
                              "not proportional to the sheet", "real_rows": rows_n + 1}, big=True)


def huge_cell_csv() -> CorpusFile:
    size = 90 * 1024 * 1024

    def render() -> bytes:
        f = pool()[0]
        return (f"uscc,name_zh,ownership,business_scope\r\n{f.uscc},{f.name_zh},foreign,".encode() +
                b"A" * size + b"\r\n")

    return _spec("hostile_90mb_cell.csv", "a CSV whose one cell (business_scope) holds 90 MB",
                 render, {"expected": "refused whole with csv.cell_too_long; the report quotes at most the first "
                                      "few hundred characters of the value", "never": "the whole value echoed back",
                          "real_rows": 2}, fmt={"type": "csv", "encoding": "utf-8", "delimiter": ",", "bom": False},
                 big=True)


BUILDERS = [cell_xfd, cell_row_max, dimension_understated, dimension_overstated, shared_strings_count, deep_xml,
            zip_bomb, csv_many_columns]
BIG_BUILDERS = [big_sheet, huge_cell_csv]
