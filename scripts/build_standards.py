"""Derive the standards tables that opentrade ships from the data-acquisition copies.

Usage: python scripts/build_standards.py [SOURCE_DIR] [OUT_DIR]

SOURCE_DIR defaults to ``../shared/data/standards`` relative to the repository root, OUT_DIR to
``src/opentrade/data/standards``. Writes ``gbt4754_2017.csv`` and ``digital_economy_2021.csv``. The
GB/T 4754 → digital-economy mapping and README.md in OUT_DIR are hand-written and left untouched.

The product never reads SOURCE_DIR at run time; re-run this script when the source tables change.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO / ".." / "shared" / "data" / "standards"
DEFAULT_OUT = REPO / "src" / "opentrade" / "data" / "standards"

GB_LEVEL_COUNTS = {1: 20, 2: 97, 3: 473, 4: 1381}
GB_CODE_PATTERN = {1: r"[A-T]", 2: r"[0-9]{2}", 3: r"[0-9]{3}", 4: r"[0-9]{4}"}

# Our own English renderings (NBS publishes no official English titles for the 2021 classification).
DE_NAMES_EN = {
    "01": "Digital product manufacturing",
    "02": "Digital product services",
    "03": "Digital technology application",
    "04": "Digital factor-driven industries",
    "05": "Digital efficiency improvement",
    "0101": "Computer manufacturing",
    "0102": "Communication and radar equipment manufacturing",
    "0103": "Digital media equipment manufacturing",
    "0104": "Smart equipment manufacturing",
    "0105": "Electronic components and equipment manufacturing",
    "0106": "Other digital product manufacturing",
    "0201": "Wholesale of digital products",
    "0202": "Retail of digital products",
    "0203": "Rental of digital products",
    "0204": "Repair of digital products",
    "0205": "Other digital product services",
    "0301": "Software development",
    "0302": "Telecommunications, radio and television, and satellite transmission services",
    "0303": "Internet-related services",
    "0304": "Information technology services",
    "0305": "Other digital technology application",
    "0401": "Internet platforms",
    "0402": "Internet wholesale and retail",
    "0403": "Internet finance",
    "0404": "Digital content and media",
    "0405": "Information infrastructure construction",
    "0406": "Data resources and property-rights trading",
    "0407": "Other digital factor-driven industries",
    "0501": "Smart agriculture",
    "0502": "Intelligent manufacturing",
    "0503": "Intelligent transport",
    "0504": "Smart logistics",
    "0505": "Digital finance",
    "0506": "Digital commerce",
    "0507": "Digital society",
    "0508": "Digital government",
    "0509": "Other digital efficiency improvement",
}


class BuildError(Exception):
    pass


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise BuildError(f"missing source file: {path}")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def build_gbt4754(source: Path) -> list[list[str]]:
    rows = read_csv(source / "gbt4754_2017.csv")
    out: list[list[str]] = []
    seen: set[str] = set()
    counts = dict.fromkeys(GB_LEVEL_COUNTS, 0)
    for r in rows:
        code, level, parent = r["code"].strip(), int(r["level"]), r["parent_code"].strip()
        if not re.fullmatch(GB_CODE_PATTERN[level], code):
            raise BuildError(f"GB/T 4754: code {code!r} does not fit level {level}")
        if code in seen:
            raise BuildError(f"GB/T 4754: duplicate code {code}")
        if level > 1 and parent not in seen:  # the source lists parents before children
            raise BuildError(f"GB/T 4754: parent {parent!r} of {code} not seen before it")
        seen.add(code)
        counts[level] += 1
        out.append([code, str(level), parent, r["section"].strip(), r["name_zh"].strip()])
    if counts != GB_LEVEL_COUNTS:
        raise BuildError(f"GB/T 4754: level counts {counts}, expected {GB_LEVEL_COUNTS}")
    return out


def build_digital_economy(source: Path) -> list[list[str]]:
    rows = read_csv(source / "digital_economy_2021.csv")
    out: list[list[str]] = []
    for r in rows:
        level = int(r["de_level"])
        if level == 1:
            code, parent, inferred = r["de_code"].strip(), "", "false"
        elif level == 2:
            # The source has no 中类 codes; we assign 大类 code + 2-digit order (the NBS pattern) and say so.
            parent = r["de_parent_code"].strip()
            code, inferred = f"{parent}{int(r['seq_in_parent']):02d}", "true"
        else:
            raise BuildError(f"digital economy: unexpected level {level}")
        if code not in DE_NAMES_EN:
            raise BuildError(f"digital economy: no English name for {code}")
        out.append([code, str(level), parent, r["de_name"].strip(), DE_NAMES_EN[code], inferred])
    codes = [row[0] for row in out]
    if len(set(codes)) != len(codes) or set(codes) != set(DE_NAMES_EN):
        raise BuildError("digital economy: expected exactly 5 categories and 32 sub-categories")
    return sorted(out, key=lambda row: row[0])


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    try:
        gb = build_gbt4754(source)
        de = build_digital_economy(source)
    except (BuildError, KeyError, ValueError) as exc:
        print(f"build_standards: {exc}", file=sys.stderr)
        return 1
    write_csv(out / "gbt4754_2017.csv", ["code", "level", "parent_code", "section", "name_zh"], gb)
    write_csv(out / "digital_economy_2021.csv",
              ["code", "level", "parent_code", "name_zh", "name_en", "code_inferred"], de)
    print(f"wrote {len(gb)} GB/T 4754 rows and {len(de)} digital-economy rows to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
