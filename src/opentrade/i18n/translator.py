"""Interface language: catalogues, negotiation, and Babel formatting of values.

A language's catalogue is every ``locales/<part>.<lang>.json`` merged (flat ``"section.key": "text"``): ``web``
for the cockpit, ``domain`` for the domain's words (ownership, stages, units …), ``errors`` for the stable error
codes (``error.<code>``, :data:`opentrade.errors.ERROR_TABLE`). A feature adds its own file (``issues.zh.json``
for importer issue codes, say) without touching the others; a key defined in two files is refused. Unit tests
check that both languages hold the same keys and that every key a template or a module asks for exists.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_compact_currency, format_currency, format_decimal, format_percent

from opentrade.errors import ConfigError

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
COOKIE = "lang"
LOCALES = {"zh": "zh_Hans_CN", "en": "en_GB"}
CATALOGUE_DIR = Path(__file__).parent / "locales"


def catalogue_files(lang: str, folder: Path = CATALOGUE_DIR) -> list[Path]:
    """The files of one language's catalogue: ``<part>.<lang>.json``, in name order."""
    return sorted(p for p in folder.glob(f"*.{lang}.json") if p.is_file())


def load_catalogue(lang: str, folder: Path = CATALOGUE_DIR) -> dict[str, str]:
    """Every file of the language merged into one mapping; a key in two files is a :class:`ConfigError`."""
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown language {lang!r}; choose one of: {', '.join(LANGUAGES)}")
    merged: dict[str, str] = {}
    origin: dict[str, str] = {}
    files = catalogue_files(lang, folder)
    if not files:
        raise ConfigError(f"no catalogue files *.{lang}.json in {folder}")
    for path in files:
        try:
            part = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: not a readable catalogue: {exc}") from None
        if not isinstance(part, dict) or not all(isinstance(v, str) for v in part.values()):
            raise ConfigError(f"{path}: a catalogue is one JSON object of strings")
        for key, text in part.items():
            if key in merged:
                raise ConfigError(f"{path.name}: the key {key!r} is defined in {origin[key]} already")
            merged[key], origin[key] = text, path.name
    return merged


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The shipped catalogue of ``lang`` (read once per process)."""
    return load_catalogue(lang)


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then the cookie, then the best ``Accept-Language`` entry, else Chinese."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice
    if accept_language:
        ranked: list[tuple[float, int, str]] = []
        for i, part in enumerate(accept_language.split(",")):
            tag, _, params = part.strip().partition(";")
            q = 1.0
            if params.strip().startswith("q="):
                try:
                    q = float(params.strip()[2:])
                except ValueError:
                    q = 0.0
            ranked.append((-q, i, tag.strip().lower()))
        for _q, _i, tag in sorted(ranked):
            base = tag.split("-")[0]
            if base in LANGUAGES:
                return base
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Translator:
    """The strings and number/date formats of one language; templates call ``t('key')``."""

    lang: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(LOCALES[self.lang])

    @property
    def other(self) -> str:
        return "en" if self.lang == "zh" else "zh"

    def __call__(self, key: str, **values: object) -> str:
        text = catalogue(self.lang).get(key)
        if text is None:  # a missing key is a bug the unit test catches; show the key rather than fail the page
            text = key
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in catalogue(self.lang)

    def pick(self, zh: str | None, en: str | None) -> str:
        """A record's name in the page language, falling back to the other one."""
        first, second = (zh, en) if self.lang == "zh" else (en, zh)
        return first or second or ""

    # --- values -------------------------------------------------------------------------------------------------

    def missing(self) -> str:
        return self("common.missing")

    def number(self, value: float | int | None, digits: int = 0) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.missing()
        fmt = "#,##0" if digits == 0 else "#,##0." + "0" * digits
        return format_decimal(value, format=fmt, locale=self.locale)

    def percent(self, value: float | None, digits: int = 1, *, signed: bool = False) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.missing()
        fmt = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
        text = format_percent(value, format=fmt, locale=self.locale)
        return ("+" + text) if signed and value > 0 else text

    def money(self, value: float | None, currency: str = "CNY", *, compact: bool = False) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.missing()
        if compact:
            return format_compact_currency(value, currency, locale=self.locale, fraction_digits=1)
        return format_currency(value, currency, locale=self.locale)

    def date(self, value: dt.date | str | None) -> str:
        if value is None or value == "":
            return self.missing()
        if isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value[:10])
            except ValueError:
                return value
        else:
            day = value
        return format_date(day, format="medium", locale=self.locale)

    def kpi_value(self, value: float | int | list[float | None] | None, unit: str,
                  qualifier: str | None = None) -> str:
        """A headline figure in its unit: shares as percentages, areas in m², counts with grouping."""
        if value is None:
            return self.missing()
        if isinstance(value, list):
            return " · ".join(self.percent(v, signed=True) for v in value)
        if unit.startswith("fraction"):
            text = self.percent(value)
        else:
            text = self.number(value, 0 if float(value).is_integer() else 2)
            if unit == "m2":
                text += " m²"
        if qualifier and self.has(f"qualifier.{qualifier}"):
            text = self(f"qualifier.{qualifier}", value=text)
        return text
