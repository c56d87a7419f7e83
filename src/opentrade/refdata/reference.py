"""Market reference data: countries, World Bank WDI, UNCTAD digitally-deliverable services, OECD-WTO BaTIS (China's
services exports by partner and category), China's agreements.

The tables ship as small CSV files in ``opentrade/data/reference`` (built by ``scripts/build_reference.py``; see the
README there for sources, licences and what is deliberately not shipped). A user may keep newer copies of any of those
files in an override folder (``opentrade refdata refresh`` writes ``wdi.csv``, ``indicators.csv`` and ``datasets.csv``
there); :func:`load_reference` takes each file from the override folder when present, else the shipped one.

A missing figure stays missing: tables are long and hold only real observations, so an absent (country, year) is a gap
to be reported, never a zero.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import polars as pl

from opentrade.errors import ReferenceDataError

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"

SHANGHAI = (31.2304, 121.4737)
SHANGHAI_TZ = "Asia/Shanghai"
EARTH_RADIUS_KM = 6371.0088

FOCUS_GROUPS = ("china", "asean", "lac")
MARKET_GROUPS = ("asean", "lac")
STALE_BEFORE = 2020

#: Service exports (BoP, current US$) computed as ICT service exports / (ICT share of service exports / 100);
#: a stand-in for WDI's BX.GSR.NFSV.CD, which the staged sources did not contain.
DERIVED_SERVICE_EXPORTS = "BX.GSR.NFSV.CD_derived"
ICT_EXPORTS_USD = "BX.GSR.CCIS.CD"
ICT_EXPORTS_SHARE = "BX.GSR.CCIS.ZS"

#: UNCTAD indicator codes of the two ``dds`` flows; :meth:`Reference.series` and :meth:`Reference.latest` accept them.
DDS_CODES = {
    "UNCTAD_DE_DIG_SERVTRADE_ANN_EXP": "exports",
    "UNCTAD_DE_DIG_SERVTRADE_ANN_IMP": "imports",
}

FILES = {
    "countries": "countries.csv",
    "wdi": "wdi.csv",
    "dds": "unctad_dds.csv",
    "batis": "batis_china.csv",
    "agreements": "china_agreements.csv",
    "agreement_events": "china_agreement_events.csv",
    "indicators": "indicators.csv",
    "datasets": "datasets.csv",
}
#: BaTIS code of China's total exports of a category to all partners (the ``World`` partner)
WORLD = "WLD"

# column → kind; every listed column is required, further columns are kept as text.
SCHEMAS: dict[str, dict[str, str]] = {
    "countries": {
        "iso3": "str", "iso2": "str", "iso_numeric": "str", "name_en": "str", "name_zh": "str",
        "focus_group": "str", "wb_region": "str", "wb_income_group_2021": "str", "capital": "str",
        "capital_lat": "float", "capital_lon": "float", "capital_tz": "str", "languages_iso639_1": "str",
        "currency_codes": "str", "timezones_iana": "str", "area_km2": "float", "landlocked": "bool",
    },
    "wdi": {"iso3": "str", "indicator": "str", "year": "int", "value": "float"},
    "dds": {"iso3": "str", "year": "int", "flow": "str", "value_usd_m": "float", "obs_status": "str"},
    "batis": {"iso3": "str", "item": "str", "year": "int", "value_usd": "float"},
    "agreements": {
        "iso3": "str", "china_pta_in_force": "bool", "first_eif_year": "int", "first_eif_date": "date",
        "agreements": "str", "rcep_status": "str", "rcep_entry_into_force": "date", "confidence": "str",
        "source": "str", "rcep_confidence": "str", "asean_member_since": "int", "other_instruments": "str",
        "ecommerce_provisions_in_force": "str", "digital_agreement_in_force": "bool", "as_of": "date",
    },
    "agreement_events": {
        "iso3": "str", "agreement_id": "str", "name_en": "str", "name_zh": "str", "instrument": "str",
        "date_signed": "date", "date_in_force": "date", "status": "str", "counts_as_fta": "bool",
        "covers_services": "bool", "ecommerce_chapter": "bool", "confidence": "str", "source_note": "str",
    },
    "indicators": {
        "code": "str", "name": "str", "unit": "str", "dataset": "str", "licence": "str", "source_detail": "str",
        "vintage": "int", "higher_is_better": "bool", "table": "str", "note": "str",
    },
    "datasets": {
        "id": "str", "title": "str", "publisher": "str", "licence": "str", "attribution": "str", "vintage": "str",
        "retrieved": "str", "coverage_gaps": "str", "source_detail": "str",
    },
}
UNIQUE_KEYS = {
    "countries": ["iso3"],
    "wdi": ["iso3", "indicator", "year"],
    "dds": ["iso3", "year", "flow"],
    "batis": ["iso3", "item", "year"],
    "agreements": ["iso3"],
    "agreement_events": ["iso3", "agreement_id"],
    "indicators": ["code"],
    "datasets": ["id"],
}

_BOOLS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


@dataclass(frozen=True, eq=False)  # frames do not compare or hash as values: identity semantics
class Reference:
    countries: pl.DataFrame
    wdi: pl.DataFrame
    dds: pl.DataFrame
    batis: pl.DataFrame
    agreements: pl.DataFrame
    agreement_events: pl.DataFrame
    indicators: pl.DataFrame
    datasets: pl.DataFrame
    #: file name → the path it was read from (shipped or override)
    sources: dict[str, Path] | None = None
    #: set by :meth:`as_of`: every dated observation and agreement here is from this year or before
    up_to_year: int | None = None

    def as_of(self, year: int) -> Reference:
        """The reference as it could have been known at the end of ``year``: observations of later years dropped,
        agreements not yet in force (or signed) treated as absent. The backtest builds everything from this."""
        end = dt.date(year, 12, 31)
        events = self.agreement_events.filter(pl.col("date_signed").is_null() | (pl.col("date_signed") <= end))
        events = events.with_columns(
            pl.when(pl.col("date_in_force") <= end).then(pl.col("date_in_force")).otherwise(None)
            .alias("date_in_force"))
        return Reference(
            countries=self.countries,
            wdi=self.wdi.filter(pl.col("year") <= year),
            dds=self.dds.filter(pl.col("year") <= year),
            batis=self.batis.filter(pl.col("year") <= year),
            agreements=self.agreements.select("iso3"),  # the summary is as of today: use the dated events
            agreement_events=events,
            indicators=self.indicators,
            datasets=self.datasets,
            sources=self.sources,
            up_to_year=year,
        )

    def series(self, indicator: str) -> pl.DataFrame:
        """All observations of one indicator: iso3, year, value (sorted). UNCTAD DDS codes read the ``dds`` table."""
        if indicator in DDS_CODES:
            out = self.dds.filter(pl.col("flow") == DDS_CODES[indicator]).select(
                "iso3", "year", pl.col("value_usd_m").alias("value")
            )
        else:
            out = self.wdi.filter(pl.col("indicator") == indicator).select("iso3", "year", "value")
            if out.is_empty() and indicator not in self.indicators["code"]:
                raise ReferenceDataError(f"unknown indicator {indicator!r}: not in indicators.csv nor wdi.csv")
        return out.sort("iso3", "year")

    def latest(self, indicator: str, *, up_to_year: int | None = None) -> pl.DataFrame:
        """Latest non-null value per country (year ≤ ``up_to_year`` if given): iso3, value, year.

        Countries without any observation are absent from the result (a gap, not a zero).
        """
        s = self.series(indicator).drop_nulls("value").filter(pl.col("value").is_not_nan())
        if up_to_year is not None:
            s = s.filter(pl.col("year") <= up_to_year)
        return (
            s.sort("iso3", "year")
            .group_by("iso3", maintain_order=True)
            .last()
            .select("iso3", "value", "year")
        )

    def focus_iso3(self, *groups: str) -> list[str]:
        """ISO3 codes of the given focus groups (default: ASEAN + LAC markets), sorted."""
        wanted = list(groups) or list(MARKET_GROUPS)
        return sorted(self.countries.filter(pl.col("focus_group").is_in(wanted))["iso3"].to_list())

    def indicator_meta(self, code: str) -> dict:
        """The indicators.csv row of ``code`` (name, unit, dataset, licence, vintage…) as a dict."""
        rows = self.indicators.filter(pl.col("code") == code)
        if rows.is_empty():
            raise ReferenceDataError(f"unknown indicator {code!r}: not in indicators.csv")
        return rows.row(0, named=True)

    def dataset_meta(self, dataset_id: str) -> dict:
        rows = self.datasets.filter(pl.col("id") == dataset_id)
        if rows.is_empty():
            raise ReferenceDataError(f"unknown dataset {dataset_id!r}: not in datasets.csv")
        return rows.row(0, named=True)


# ---------------------------------------------------------------------------------------------------------- loading


def _fail(path: Path, reason: str) -> ReferenceDataError:
    return ReferenceDataError(f"reference file {path}: {reason}")


def _cast(frame: pl.DataFrame, column: str, kind: str, path: Path) -> pl.Series:
    col = frame[column]
    try:
        if kind == "str":
            return col
        stripped = pl.col(column).str.strip_chars()
        text = frame.select(pl.when(stripped == "").then(None).otherwise(stripped).alias(column)).to_series()
        if kind == "float":
            return text.cast(pl.Float64, strict=True)
        if kind == "int":
            return text.cast(pl.Int32, strict=True)
        if kind == "bool":
            return text.str.to_lowercase().replace_strict(_BOOLS, return_dtype=pl.Boolean)
        if kind == "date":
            return text.str.to_date("%Y-%m-%d", strict=True)
    except pl.exceptions.PolarsError:
        bad = next(
            (v for v in col.to_list() if v not in (None, "") and not _parses(v.strip(), kind)), None
        )
        raise _fail(path, f"column {column!r} is not {kind}: bad value {bad!r}") from None
    raise ValueError(f"unknown column kind {kind!r}")


def _parses(value: str, kind: str) -> bool:
    try:
        if kind == "float":
            float(value)
        elif kind == "int":
            int(value)
        elif kind == "bool":
            return value.lower() in _BOOLS
        elif kind == "date":
            dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def read_table(name: str, path: Path) -> pl.DataFrame:
    """Read one reference CSV and type it by :data:`SCHEMAS`; :class:`ReferenceDataError` names the file."""
    if not path.is_file():
        raise _fail(path, "missing")
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise _fail(path, f"cannot be read as UTF-8 CSV ({exc})") from None
    schema = SCHEMAS[name]
    missing = [c for c in schema if c not in raw.columns]
    if missing:
        raise _fail(path, f"missing column(s) {', '.join(missing)}")
    typed = raw.with_columns(_cast(raw, c, kind, path).alias(c) for c, kind in schema.items())
    key = UNIQUE_KEYS[name]
    if typed.select(key).null_count().sum_horizontal().item():
        raise _fail(path, f"empty key column among {', '.join(key)}")
    dupes = typed.filter(typed.select(key).is_duplicated())
    if not dupes.is_empty():
        raise _fail(path, f"duplicate rows for {dupes.select(key).row(0, named=True)}")
    return typed.select([*schema, *[c for c in typed.columns if c not in schema]])


def _signature(directory: Path | None) -> tuple:
    """What the cache keys on besides the folder: name, size and mtime of every file that would be read."""
    parts = []
    for folder in (SHIPPED_DIR, directory):
        if folder is None:
            continue
        for fname in FILES.values():
            p = folder / fname
            try:
                st = p.stat()
            except OSError:
                continue
            parts.append((str(p), st.st_size, st.st_mtime_ns))
    return tuple(parts)


@lru_cache(maxsize=8)
def _load(directory: Path | None, _signature: tuple) -> Reference:
    frames: dict[str, pl.DataFrame] = {}
    sources: dict[str, Path] = {}
    for name, fname in FILES.items():
        path = SHIPPED_DIR / fname
        if directory is not None and (directory / fname).is_file():
            path = directory / fname
        frames[name] = read_table(name, path)
        sources[fname] = path
    return Reference(**frames, sources=sources)  # type: ignore[arg-type]  # one frame per FILES key


def load_reference(override_dir: Path | None = None) -> Reference:
    """Load the reference tables; files present in ``override_dir`` replace the shipped ones, file by file.

    Cached per folder (and re-read when a file there changes); a non-existent ``override_dir`` means no overrides.
    """
    directory = Path(override_dir).expanduser().resolve() if override_dir is not None else None
    return _load(directory, _signature(directory))


load_reference.cache_clear = _load.cache_clear  # type: ignore[attr-defined]


# -------------------------------------------------------------------------------------------------- geography, time


def great_circle_km(lat1, lon1, lat2, lon2):
    """Haversine distance in km on a sphere of radius 6371.0088 km; scalars give a float, arrays an ndarray."""
    p1, l1, p2, l2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2.0) ** 2
    d = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return float(d) if np.ndim(d) == 0 else d


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReferenceDataError(f"unknown IANA time zone {name!r}") from None


def _office(zone: ZoneInfo, day: dt.date, start: float, end: float) -> tuple[dt.datetime, dt.datetime]:
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    # wall-clock arithmetic on an aware datetime: 09:00 local even on a DST changeover day
    return (
        (midnight + dt.timedelta(hours=start)).astimezone(dt.UTC),
        (midnight + dt.timedelta(hours=end)).astimezone(dt.UTC),
    )


def working_hours_overlap(tz_a: str, tz_b: str, *, on: dt.date, start: float = 9, end: float = 18) -> float:
    """Hours of ``tz_a``'s local office hours (start–end) on date ``on`` that fall in ``tz_b``'s office hours.

    ``tz_b``'s office hours of the day before, the same day and the day after are all counted, so partners on either
    side of the date line are handled (Shanghai–Bangkok → 8.0, Shanghai–São Paulo → 0.0). Daylight saving time is
    applied for that date via zoneinfo (IANA).
    """
    if not 0 <= start < end <= 24:
        raise ValueError(f"office hours must satisfy 0 <= start < end <= 24, got {start}–{end}")
    za, zb = _zone(tz_a), _zone(tz_b)
    a0, a1 = _office(za, on, start, end)
    total = 0.0
    for shift in (-1, 0, 1):
        b0, b1 = _office(zb, on + dt.timedelta(days=shift), start, end)
        overlap = (min(a1, b1) - max(a0, b0)).total_seconds()
        if overlap > 0:
            total += overlap / 3600.0
    return total


# ----------------------------------------------------------------------------------------- shared by build & refresh


def derive_service_exports(wdi: pl.DataFrame) -> pl.DataFrame:
    """Rows of :data:`DERIVED_SERVICE_EXPORTS` = ICT service exports US$ / (ICT share of service exports / 100)."""
    usd = wdi.filter(pl.col("indicator") == ICT_EXPORTS_USD).select("iso3", "year", pl.col("value").alias("usd"))
    share = wdi.filter(pl.col("indicator") == ICT_EXPORTS_SHARE).select("iso3", "year", pl.col("value").alias("pct"))
    return (
        usd.join(share, on=["iso3", "year"], how="inner")
        .filter(pl.col("usd").is_not_null() & (pl.col("pct") > 0))
        .select(
            "iso3",
            pl.lit(DERIVED_SERVICE_EXPORTS).alias("indicator"),
            pl.col("year").cast(pl.Int32),
            (pl.col("usd") / (pl.col("pct") / 100.0)).round(2).alias("value"),
        )
        .sort("iso3", "year")
    )


def coverage_gaps(
    values: pl.DataFrame, *, by: str, keys: Iterable[str], focus: list[str], stale_before: int = STALE_BEFORE
) -> list[str]:
    """Per key (indicator or flow): focus countries with no observation, and those whose latest year is stale.

    ``values`` has columns iso3, ``by``, year, value. Returns one clause per key that has a gap.
    """
    present = values.drop_nulls("value").filter(pl.col("iso3").is_in(focus))
    latest = present.group_by(by, "iso3").agg(pl.col("year").max())
    clauses = []
    for key in keys:
        rows = latest.filter(pl.col(by) == key)
        have = set(rows["iso3"].to_list())
        missing = sorted(set(focus) - have)
        stale = sorted(rows.filter(pl.col("year") < stale_before)["iso3"].to_list())
        parts = []
        if len(missing) == len(focus):
            parts.append("no data for any focus country")
        elif missing:
            parts.append(f"no data for {' '.join(missing)}")
        if stale and len(stale) == len(have):
            parts.append(f"series ends before {stale_before} for all ({rows.select(pl.col('year').max()).item()})")
        elif stale:
            parts.append(f"latest before {stale_before} for {' '.join(stale)}")
        if parts:
            clauses.append(f"{key}: {'; '.join(parts)}")
    return clauses


def gaps_sentence(clauses: list[str], n_focus: int) -> str:
    """The ``coverage_gaps`` text of datasets.csv: a prefix naming the focus set, then the clauses."""
    body = ". ".join(clauses) if clauses else "no gaps"
    return f"Focus set ({n_focus}: CHN, ASEAN-10 + TLS, LAC-33) — {body}."


def write_csv_atomic(frame: pl.DataFrame, path: Path) -> None:
    """Write ``frame`` as UTF-8 CSV next to ``path`` and rename it into place (never a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else _default_mode())
        with os.fdopen(fd, "wb") as fh:
            frame.write_csv(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _default_mode() -> int:
    """rw for everyone less the process umask (mkstemp's own 0600 would hide the file from other users)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
