"""Refresh the WDI reference table from the World Bank API (v2, through ``wbgapi``).

``refresh_wdi(target_dir)`` downloads the WDI series opentrade uses and writes ``wdi.csv`` (same long format as the
shipped file), plus ``indicators.csv`` and ``datasets.csv`` carrying the new vintage and the retrieval date, into
``target_dir`` — the override folder that :func:`opentrade.refdata.reference.load_reference` reads before the shipped
snapshot. Every observation is downloaded before anything is written, and each file is replaced atomically, so a
network failure leaves the current files as they were. The shipped snapshot is never modified.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from opentrade.errors import ReferenceDataError
from opentrade.refdata.reference import (
    DERIVED_SERVICE_EXPORTS,
    FILES,
    ICT_EXPORTS_SHARE,
    ICT_EXPORTS_USD,
    coverage_gaps,
    derive_service_exports,
    gaps_sentence,
    load_reference,
    write_csv_atomic,
)

FIRST_YEAR = 2010
PER_PAGE = 10_000
TIMEOUT_S = 60.0

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class RefreshResult:
    target_dir: Path
    wdi_path: Path
    indicators: tuple[str, ...]
    economies: int
    first_year: int
    last_year: int
    rows_fetched: int
    rows_written: int
    retrieved: dt.date
    endpoint: str
    #: indicators for which the API returned no observation at all for the requested economies and years
    empty: tuple[str, ...] = field(default=())


def default_indicators(override_dir: Path | None = None) -> list[str]:
    """Every WDI code in indicators.csv (the derived service-exports series is recomputed, not downloaded)."""
    ind = load_reference(override_dir).indicators
    return ind.filter((pl.col("table") == "wdi") & (pl.col("code") != DERIVED_SERVICE_EXPORTS))["code"].to_list()


def _default_client():
    import wbgapi  # imported lazily: only a refresh needs it

    return wbgapi


def _network_errors(client) -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError, ValueError, KeyError]
    try:
        import requests

        errors.append(requests.RequestException)
    except ImportError:  # pragma: no cover - wbgapi depends on requests
        pass
    api_error = getattr(client, "APIError", None)
    if isinstance(api_error, type) and issubclass(api_error, BaseException):
        errors.append(api_error)
    return tuple(errors)


@contextmanager
def _configured(client, endpoint: str | None, timeout: float) -> Iterator[str]:
    """Point wbgapi at ``endpoint`` and give its requests a timeout, restoring its globals afterwards."""
    saved_endpoint = getattr(client, "endpoint", None)
    saved_options = getattr(client, "get_options", None)
    try:
        if endpoint:
            client.endpoint = endpoint.rstrip("/")
        if isinstance(saved_options, dict):
            options = dict(saved_options)
            options.setdefault("timeout", timeout)
            client.get_options = options
        yield str(getattr(client, "endpoint", endpoint or ""))
    finally:
        if saved_endpoint is not None:
            client.endpoint = saved_endpoint
        if saved_options is not None:
            client.get_options = saved_options


def _fetch_rows(client, url: str, params: dict[str, Any]) -> list[dict]:
    rows: list[dict] = []
    try:
        for row in client.fetch(url, params):
            rows.append(row)
    except TypeError as exc:
        # The API answers a query with no observations as [header, null]; wbgapi then iterates over None.
        if rows or "NoneType" not in str(exc):
            raise
    return rows


def refresh_wdi(
    target_dir: Path,
    *,
    indicators: list[str] | None = None,
    economies: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    client: Any = None,
    progress: Progress | None = None,
    endpoint: str | None = None,
    timeout: float = TIMEOUT_S,
) -> RefreshResult:
    """Download WDI ``indicators`` for ``economies`` (default: all 217 economies) and ``years`` (default 2010 to last
    year) and write ``target_dir/wdi.csv``; rows of other indicators, economies or years are kept from the current
    table (override if present, else shipped). ``client`` is the ``wbgapi`` module or an object with the same
    ``fetch(url, params)``; ``endpoint`` overrides its base URL (e.g. a mirror). ``progress(done, total, code)`` is
    called after each indicator. Raises :class:`ReferenceDataError` when the API cannot be reached or answers with an
    error; nothing is written then.
    """
    target_dir = Path(target_dir).expanduser()
    current = load_reference(target_dir)
    universe = set(current.countries["iso3"].to_list())
    codes = list(dict.fromkeys(indicators or default_indicators(target_dir)))
    codes = [c for c in codes if c != DERIVED_SERVICE_EXPORTS]
    if not codes:
        raise ReferenceDataError("no WDI indicator to refresh")
    if economies is None:
        wanted, path_economies = universe, "all"
    else:
        wanted = {e.strip().upper() for e in economies if e and e.strip()}
        unknown = sorted(wanted - universe)
        if unknown or not wanted:
            raise ReferenceDataError(f"unknown economy code(s) for a WDI refresh: {', '.join(unknown) or '(none)'}")
        path_economies = ";".join(sorted(wanted))
    year_set = set(years if years is not None else range(FIRST_YEAR, dt.date.today().year))
    if not year_set:
        raise ReferenceDataError("no year to refresh")
    y0, y1 = min(year_set), max(year_set)

    client = client if client is not None else _default_client()
    errors = _network_errors(client)
    records: list[tuple[str, str, int, float]] = []
    names: dict[str, str] = {}
    empty: list[str] = []
    with _configured(client, endpoint, timeout) as base_url:
        for done, code in enumerate(codes, start=1):
            url = f"country/{path_economies}/indicator/{code}"
            params = {"date": f"{y0}:{y1}", "per_page": PER_PAGE}
            try:
                rows = _fetch_rows(client, url, params)
            except errors as exc:
                raise ReferenceDataError(
                    f"World Bank API download of {code} from {base_url} failed: {exc}. "
                    "Nothing was written; the current reference files are unchanged."
                ) from None
            kept = 0
            for row in rows:
                iso3 = (row.get("countryiso3code") or "").upper()
                date, value = str(row.get("date") or ""), row.get("value")
                if iso3 not in wanted or not date.isdigit() or int(date) not in year_set or value is None:
                    continue
                try:
                    records.append((iso3, code, int(date), float(value)))
                except (TypeError, ValueError):
                    raise ReferenceDataError(
                        f"World Bank API returned a non-numeric value {value!r} for {code} {iso3} {date}"
                    ) from None
                kept += 1
                if isinstance(row.get("indicator"), dict) and row["indicator"].get("value"):
                    names.setdefault(code, str(row["indicator"]["value"]))
            if not kept:
                empty.append(code)
            if progress is not None:
                progress(done, len(codes), code)

    fetched = pl.DataFrame(
        records, schema={"iso3": pl.String, "indicator": pl.String, "year": pl.Int32, "value": pl.Float64},
        orient="row",
    ).unique(subset=["iso3", "indicator", "year"], keep="last")
    replaced = (
        pl.col("indicator").is_in(codes) & pl.col("iso3").is_in(sorted(wanted)) & pl.col("year").is_in(sorted(year_set))
    )
    base = current.wdi.filter(~replaced & (pl.col("indicator") != DERIVED_SERVICE_EXPORTS))
    merged = pl.concat([base.select("iso3", "indicator", "year", "value"), fetched])
    merged = pl.concat([merged, derive_service_exports(merged)]).sort("iso3", "indicator", "year")

    today = dt.date.today()
    indicators_table = _updated_indicators(current.indicators, merged, codes, names, base_url, today)
    datasets_table = _updated_datasets(current, merged, indicators_table, codes, base_url, today)

    wdi_path = target_dir / FILES["wdi"]
    try:
        write_csv_atomic(merged, wdi_path)
        write_csv_atomic(indicators_table, target_dir / FILES["indicators"])
        write_csv_atomic(datasets_table, target_dir / FILES["datasets"])
    except OSError as exc:
        raise ReferenceDataError(f"cannot write the refreshed reference files to {target_dir}: {exc}") from None
    return RefreshResult(
        target_dir=target_dir, wdi_path=wdi_path, indicators=tuple(codes), economies=len(wanted),
        first_year=y0, last_year=y1, rows_fetched=fetched.height, rows_written=merged.height, retrieved=today,
        endpoint=base_url, empty=tuple(empty),
    )


def _updated_indicators(
    table: pl.DataFrame, wdi: pl.DataFrame, codes: list[str], names: dict[str, str], base_url: str, today: dt.date
) -> pl.DataFrame:
    vintage = dict(wdi.group_by("indicator").agg(pl.col("year").max()).iter_rows())
    detail = f"World Bank API v2 ({base_url}) via wbgapi, retrieved {today.isoformat()}"
    new_rows = [
        {"code": c, "name": names.get(c, c), "unit": None, "dataset": "World Bank WDI", "licence": "CC BY 4.0",
         "source_detail": detail, "vintage": None, "higher_is_better": None, "table": "wdi", "note": None}
        for c in codes if c not in table["code"].to_list()
    ]
    if new_rows:
        table = pl.concat([table, pl.DataFrame(new_rows, schema=table.schema)], how="vertical")
    refreshed = set(codes) | {DERIVED_SERVICE_EXPORTS}
    return table.with_columns(
        pl.when(pl.col("code").is_in(sorted(codes))).then(pl.lit(detail)).otherwise(pl.col("source_detail"))
        .alias("source_detail"),
        pl.when(pl.col("code").is_in(sorted(refreshed)))
        .then(pl.col("code").replace_strict(vintage, default=None, return_dtype=pl.Int32))
        .otherwise(pl.col("vintage"))
        .alias("vintage"),
        pl.when(pl.col("code").is_in([ICT_EXPORTS_USD, ICT_EXPORTS_SHARE]) & pl.col("code").is_in(sorted(codes)))
        .then(pl.lit("refreshed from the World Bank API for every requested economy"))
        .otherwise(pl.col("note"))
        .alias("note"),
    )


def _updated_datasets(current, wdi: pl.DataFrame, indicators: pl.DataFrame, codes: list[str], base_url: str,
                      today: dt.date) -> pl.DataFrame:
    countries = current.countries
    focus = sorted(countries.filter(pl.col("focus_group") != "other")["iso3"].to_list())
    wdi_codes = indicators.filter(pl.col("table") == "wdi")["code"].to_list()
    gaps = gaps_sentence(coverage_gaps(wdi, by="indicator", keys=wdi_codes, focus=focus), len(focus))
    table = current.datasets
    row = {
        "vintage": str(wdi["year"].max()),
        "retrieved": today.isoformat(),
        "coverage_gaps": gaps,
        "source_detail": f"World Bank API v2 ({base_url}) via wbgapi, retrieved {today.isoformat()}, for "
                         f"{len(codes)} series; other series as shipped",
    }
    if "wdi" not in table["id"].to_list():
        raise ReferenceDataError("datasets.csv has no 'wdi' row to update")
    return table.with_columns(
        pl.when(pl.col("id") == "wdi").then(pl.lit(value)).otherwise(pl.col(col)).alias(col)
        for col, value in row.items()
    )
