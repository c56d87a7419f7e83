"""China's trade agreements for all 217 economies, from the sourced list in ``reference_sources/`` (used by
``build_reference.py``).

``reference_sources/china_agreements_mofcom.csv`` is compiled by hand from public facts: one row per agreement
instrument (and per group of parties sharing a date), each with its dates, status, whether it counts as a free trade
agreement for the ranking (MOFCOM lists it among China's FTAs; the goods-only Asia-Pacific Trade Agreement does not
count), whether it covers services or has an e-commerce chapter, a confidence and a source note (MOFCOM China FTA
Network, fta.mofcom.gov.cn, plus the announcement that confirmed the date). Legal facts are never imputed: an economy
that is not a party to any listed agreement has "no FTA with China in force" as a fact of its own, because MOFCOM's
list of China's agreements is exhaustive.

The build cross-checks the list against the staged, independently compiled table for the 44 ASEAN + LAC markets
(DESTA v2.0 + the hand-entered supplement): in-force flags, first years and RCEP dates must agree.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

SOURCES = Path(__file__).resolve().parent / "reference_sources" / "china_agreements_mofcom.csv"
MOFCOM = "MOFCOM China FTA Network (fta.mofcom.gov.cn)"
#: agreements in force on this date count; the list was last checked then
AS_OF = dt.date(2026, 11, 1)
_RANK = {"low": 0, "medium": 1, "high": 2}
#: where the staged table's definition differs from ours (it counts goods-only partial-scope arrangements)
KNOWN_DIFFERENCES = {
    "LAO": "the staged table dates Laos's preferential access from APTA (2002, goods only, partial scope)",
    "THA": "the staged table dates Thailand's from the 2003 early-harvest arrangement (goods only)",
}
_BOOL = {"true": True, "false": False}


def read_sources(path: Path = SOURCES) -> pl.DataFrame:
    raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    for col in ("counts_as_fta", "covers_services", "ecommerce_chapter"):
        bad = set(raw[col].to_list()) - set(_BOOL)
        if bad:
            raise SystemExit(f"{path.name}: column {col} must be true/false, got {sorted(bad)}")
    if set(raw["confidence"]) - set(_RANK):
        raise SystemExit(f"{path.name}: confidence must be high, medium or low")
    if raw["source_note"].null_count():
        raise SystemExit(f"{path.name}: every row needs a source note")
    return raw.with_columns(
        pl.col("date_signed").str.to_date("%Y-%m-%d", strict=True),
        pl.col("date_in_force").str.to_date("%Y-%m-%d", strict=True),
        *(pl.col(c).replace_strict(_BOOL, return_dtype=pl.Boolean)
          for c in ("counts_as_fta", "covers_services", "ecommerce_chapter")),
    )


def build_events(sources: pl.DataFrame, universe: set[str]) -> pl.DataFrame:
    """One row per agreement instrument × party (China's partner), the shipped ``china_agreement_events.csv``."""
    events = (
        sources.with_columns(pl.col("parties_iso3").str.split(";"))
        .explode("parties_iso3")
        .rename({"parties_iso3": "iso3"})
        .select("iso3", "agreement_id", "name_en", "name_zh", "instrument", "date_signed", "date_in_force", "status",
                "counts_as_fta", "covers_services", "ecommerce_chapter", "confidence", "source_note")
        .sort("iso3", "date_in_force", "agreement_id", nulls_last=True)
    )
    outside = sorted(set(events["iso3"]) - universe)
    if outside:
        raise SystemExit(f"agreement parties outside countries.csv: {outside}")
    dupes = events.filter(events.select("iso3", "agreement_id").is_duplicated())
    if not dupes.is_empty():
        raise SystemExit(f"an economy appears twice for one agreement: {dupes.row(0, named=True)}")
    return events


def _in_force(events: pl.DataFrame, on: dt.date) -> pl.DataFrame:
    return events.filter(pl.col("date_in_force").is_not_null() & (pl.col("date_in_force") <= on))


def _describe(row: dict) -> str:
    when = f"in force {row['date_in_force']}" if row["date_in_force"] else row["status"]
    return f"{row['name_en']} ({when}; {row['confidence']} confidence)"


def build_summary(events: pl.DataFrame, countries: pl.DataFrame, staged_asean_since: dict[str, int | None]
                  ) -> pl.DataFrame:
    """One row per economy (all of ``countries``): the shipped ``china_agreements.csv``."""
    in_force = _in_force(events, AS_OF)
    rows = []
    for iso3 in countries.filter(pl.col("iso3") != "CHN")["iso3"].to_list():
        mine = events.filter(pl.col("iso3") == iso3)
        fta = in_force.filter((pl.col("iso3") == iso3) & pl.col("counts_as_fta")).sort("date_in_force")
        first = fta.row(0, named=True) if fta.height else None
        rcep = mine.filter(pl.col("agreement_id") == "RCEP")
        rcep_row = rcep.row(0, named=True) if rcep.height else None
        ecommerce = in_force.filter((pl.col("iso3") == iso3) & pl.col("ecommerce_chapter"))
        others = mine.filter(~pl.col("counts_as_fta") | pl.col("date_in_force").is_null())
        others = others.filter(pl.col("agreement_id") != "RCEP")
        if first is None:
            confidence = "high"
            source = (f"no free trade agreement with China in force according to {MOFCOM} "
                      f"(list checked {AS_OF:%Y-%m})")
        else:
            confidence = min(fta["confidence"].to_list(), key=_RANK.__getitem__)
            source = " / ".join(fta["source_note"].to_list())
        rows.append({
            "iso3": iso3,
            "china_pta_in_force": first is not None,
            "first_eif_year": None if first is None else first["date_in_force"].year,
            "first_eif_date": None if first is None else first["date_in_force"],
            "agreements": " | ".join(_describe(r) for r in fta.iter_rows(named=True)) or None,
            "rcep_status": None if rcep_row is None else rcep_row["status"],
            "rcep_entry_into_force": None if rcep_row is None else rcep_row["date_in_force"],
            "confidence": confidence,
            "source": source,
            "rcep_confidence": None if rcep_row is None else rcep_row["confidence"],
            "asean_member_since": staged_asean_since.get(iso3),
            "other_instruments": " | ".join(_describe(r) for r in others.iter_rows(named=True)) or None,
            "ecommerce_provisions_in_force": " | ".join(ecommerce["name_en"].unique(maintain_order=True)) or None,
            "digital_agreement_in_force": False,
            "as_of": AS_OF,
        })
    rows.append({"iso3": "CHN", "china_pta_in_force": None, "confidence": "high", "digital_agreement_in_force": None,
                 "source": "China itself (the home economy): not applicable", "as_of": AS_OF})
    frame = pl.DataFrame(rows, infer_schema_length=None, schema_overrides={"first_eif_year": pl.Int32, "asean_member_since": pl.Int32,
                                                 "first_eif_date": pl.Date, "rcep_entry_into_force": pl.Date,
                                                 "as_of": pl.Date})
    return frame.sort("iso3")


def cross_check(summary: pl.DataFrame, staged: pl.DataFrame, supplement: pl.DataFrame) -> list[str]:
    """Disagreements between the sourced list and the staged 44-market table (empty = consistent)."""
    problems = []
    mine = {r["iso3"]: r for r in summary.iter_rows(named=True)}
    for r in staged.iter_rows(named=True):
        m = mine[r["iso3"]]
        staged_in_force = r["china_pta_in_force"] == "1"
        if m["china_pta_in_force"] != staged_in_force:
            problems.append(f"{r['iso3']}: in force {m['china_pta_in_force']} here, {staged_in_force} staged")
        staged_first = int(r["china_pta_first_eif_year"]) if r["china_pta_first_eif_year"] else None
        if staged_in_force and m["first_eif_year"] != staged_first and r["iso3"] not in KNOWN_DIFFERENCES:
            problems.append(f"{r['iso3']}: first year {m['first_eif_year']} here, {staged_first} staged")
        staged_rcep = r["rcep_entry_into_force"] or None
        mine_rcep = m["rcep_entry_into_force"].isoformat() if m["rcep_entry_into_force"] else None
        if r["rcep_status"] and staged_rcep != mine_rcep:
            problems.append(f"{r['iso3']}: RCEP {mine_rcep} here, {staged_rcep} staged")
    for s in supplement.filter(pl.col("date_entry_into_force").is_not_null()).iter_rows(named=True):
        if s["agreement_id"] in ("ASEAN-TLS", "ACFTA-UP"):
            continue
        for iso3 in s["parties_iso3"].split(";"):
            if iso3 == "CHN" or iso3 not in mine:
                continue
            text = " ".join(filter(None, (mine[iso3]["agreements"], mine[iso3]["other_instruments"])))
            rcep = mine[iso3]["rcep_entry_into_force"]
            if s["date_entry_into_force"] not in text and (rcep is None or rcep.isoformat() != s["date_entry_into_force"]):
                problems.append(f"{iso3}: {s['name']} in force {s['date_entry_into_force']} (supplement) not found")
    return problems
