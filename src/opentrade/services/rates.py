"""Yuan per unit of a currency on a date: the ``exchange_rate`` table first, else the shipped World Bank snapshot.

* Table: the newest row of that currency dated on or before the date.
* World Bank WDI ``PA.NUS.FCRF`` (official exchange rate, local currency per US$, annual average): yuan per unit =
  China's rate / the currency's country's rate for the same year; an annual average is dated 1 July of its year,
  so the newest year whose 1 July is on or before the date is used (and both countries must have it).
* A currency maps to the country whose rate stands for it by a small explicit table (shared currencies: EUR →
  Germany …), else by the shipped country table when exactly one country has it as its first currency.

No rate → ``None`` (shown as missing, never as 0). Every rate says its source and date.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, select

from opentrade.refdata.reference import Reference, load_reference
from opentrade.store.models import ExchangeRate

WDI_RATE = "PA.NUS.FCRF"
# Currencies several countries share, or whose first listing in the country table is ambiguous.
CURRENCY_COUNTRY = {"USD": "USA", "EUR": "DEU", "CNY": "CHN", "GBP": "GBR", "JPY": "JPN", "AUD": "AUS", "NZD": "NZL",
                    "CHF": "CHE", "DKK": "DNK", "NOK": "NOR", "INR": "IND", "HKD": "HKG", "XOF": "SEN", "XAF": "CMR",
                    "XCD": "ATG"}


@dataclass(frozen=True)
class Rate:
    cny_per_unit: float
    on_date: dt.date
    source: str
    kind: str  # identity | table | wdi

    def to_json(self) -> dict:
        return {"cny_per_unit": self.cny_per_unit, "on_date": self.on_date.isoformat(), "source": self.source,
                "kind": self.kind}


class RateBook:
    """Rates for one request: the table's rows read once, the WDI snapshot loaded only when it is needed."""

    def __init__(self, conn: Connection, *, reference_dir: Path | None = None,
                 reference: Reference | None = None):
        self._table: dict[str, tuple[list[dt.date], list[tuple[float, str]]]] = {}
        rows = conn.execute(select(ExchangeRate.currency, ExchangeRate.on_date, ExchangeRate.cny_per_unit,
                                   ExchangeRate.source).order_by(ExchangeRate.currency, ExchangeRate.on_date)).all()
        for currency, on_date, rate, source in rows:
            dates, values = self._table.setdefault(currency.upper(), ([], []))
            dates.append(on_date)
            values.append((float(rate), source))
        self._reference, self._reference_dir = reference, reference_dir
        self._wdi: dict[str, dict[int, float]] | None = None
        self._country_of: dict[str, str] | None = None
        self.used: dict[str, int] = {"table": 0, "wdi": 0, "identity": 0, "missing": 0}

    def cny_per_unit(self, currency: str | None, on: dt.date) -> Rate | None:
        """Yuan per one unit of ``currency`` at the newest rate dated on or before ``on``; None when there is none."""
        rate = self._find(currency.upper(), on) if currency else None
        self.used["missing" if rate is None else rate.kind] += 1
        return rate

    def _find(self, currency: str, on: dt.date) -> Rate | None:
        if currency == "CNY":
            return Rate(1.0, on, "the amount is in yuan", "identity")
        if currency in self._table:
            dates, values = self._table[currency]
            i = bisect.bisect_right(dates, on)
            if i:
                rate, source = values[i - 1]
                return Rate(rate, dates[i - 1], f"exchange_rate table, {currency} {dates[i - 1]}: {source}", "table")
        return self._from_wdi(currency, on)

    def _load_wdi(self) -> None:
        ref = self._reference or load_reference(self._reference_dir)
        series = ref.series(WDI_RATE).drop_nulls("value")
        wdi: dict[str, dict[int, float]] = {}
        for iso3, year, value in series.iter_rows():
            if value and value > 0:
                wdi.setdefault(iso3, {})[int(year)] = float(value)
        first: dict[str, list[str]] = {}
        for iso3, codes in ref.countries.select("iso3", "currency_codes").iter_rows():
            code = (codes or "").split(";")[0].strip().upper()
            if code:
                first.setdefault(code, []).append(iso3)
        self._country_of = {c: isos[0] for c, isos in first.items() if len(isos) == 1} | CURRENCY_COUNTRY
        self._wdi = wdi

    def _from_wdi(self, currency: str, on: dt.date) -> Rate | None:
        if self._wdi is None:
            self._load_wdi()
        assert self._wdi is not None and self._country_of is not None
        iso3 = self._country_of.get(currency)
        china, other = self._wdi.get("CHN", {}), self._wdi.get(iso3 or "", {})
        years = [y for y in china if y in other and dt.date(y, 7, 1) <= on]
        if not years:
            return None
        year = max(years)
        return Rate(china[year] / other[year], dt.date(year, 7, 1),
                    f"World Bank WDI {WDI_RATE} {year} annual average, dated {year}-07-01: CHN {china[year]:.4f} / "
                    f"{iso3} {other[year]:.4f} local currency per US$", "wdi")


@dataclass(frozen=True)
class Converted:
    """An amount in yuan and US dollars, with the rates used (None where a rate is missing)."""

    amount_cny: float | None
    amount_usd: float | None
    rate_cny: Rate | None  # yuan per unit of the original currency
    rate_usd: Rate | None  # yuan per US dollar

    def to_json(self) -> dict:
        return {"amount_cny": self.amount_cny, "amount_usd": self.amount_usd,
                "rate_cny": self.rate_cny.to_json() if self.rate_cny else None,
                "rate_usd": self.rate_usd.to_json() if self.rate_usd else None}


def convert(book: RateBook, amount: float | None, currency: str | None, on: dt.date) -> Converted:
    """``amount`` of ``currency`` in yuan and in US dollars at the rates dated on or before ``on``."""
    if amount is None or not currency:
        return Converted(None, None, None, None)
    rate = book.cny_per_unit(currency, on)
    cny = amount * rate.cny_per_unit if rate else None
    if currency.upper() == "USD":
        return Converted(cny, float(amount), rate, rate)
    usd_rate = book.cny_per_unit("USD", on)
    usd = cny / usd_rate.cny_per_unit if cny is not None and usd_rate else None
    return Converted(cny, usd, rate, usd_rate)
