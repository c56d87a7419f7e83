"""How offices write dates, amounts and codes, each paired with what the writing means."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .layout import Styled

CN_DIGITS = "〇一二三四五六七八九"
DATE_FORMS = ("iso", "slash", "cn", "compact", "excel", "dot")
MONTH_FORMS = ("month_dot", "month_dash", "month_compact", "month_cn")


def cn_number(n: int) -> str:
    """1..31 in Chinese numerals as dates write them: 三, 十, 十二, 二十三."""
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else CN_DIGITS[tens]) + "十" if tens else "") + (CN_DIGITS[ones] if ones else "")


def cn_date(d: dt.date) -> str:
    return "".join(CN_DIGITS[int(c)] for c in str(d.year)) + f"年{cn_number(d.month)}月{cn_number(d.day)}日"


def day(d: dt.date) -> dict[str, Any]:
    return {"date": d.isoformat(), "precision": "day"}


def month(d: dt.date) -> dict[str, Any]:
    return {"date": f"{d.year:04d}-{d.month:02d}", "precision": "month"}


def year(d: dt.date) -> dict[str, Any]:
    return {"date": f"{d.year:04d}", "precision": "year"}


def date_cell(d: dt.date, form: str) -> tuple[Any, dict[str, Any]]:
    """A date as an office writes it, and what it means (with its precision)."""
    forms: dict[str, tuple[Any, dict[str, Any]]] = {
        "iso": (d.isoformat(), day(d)),
        "slash": (f"{d.year}/{d.month}/{d.day}", day(d)),
        "cn": (f"{d.year}年{d.month}月{d.day}日", day(d)),
        "compact": (d.strftime("%Y%m%d"), day(d)),
        "excel": (Styled(d, "yyyy-mm-dd"), day(d)),
        "excel_cn": (Styled(d, 'yyyy"年"m"月"d"日"'), day(d)),
        "dot": (f"{d.year}.{d.month:02d}.{d.day:02d}", day(d)),
        "cn_numerals": (cn_date(d), day(d)),
        "month_dot": (f"{d.year}.{d.month:02d}", month(d)),
        "month_dash": (f"{d.year}-{d.month:02d}", month(d)),
        "month_compact": (f"{d.year}{d.month:02d}", month(d)),
        "month_cn": (f"{d.year}年{d.month}月", month(d)),
        "year": (d.year, year(d)),
        "year_text": (str(d.year), year(d)),
        "year_cn": (f"{d.year}年", year(d)),
    }
    return forms[form]


CURRENCY_ISO = {"人民币": "CNY", "美元": "USD", "欧元": "EUR", "港元": "HKD"}


def capital_cell(wan: int, currency: str, *, style: str) -> tuple[str, dict[str, Any]]:
    """Registered capital as the platforms print it: 企查查 "5000万元人民币", 天眼查 "5000万人民币", both "100万美元"."""
    if currency == "人民币":
        text = f"{wan}万元人民币" if style == "qcc" else f"{wan}万人民币"
    else:
        text = f"{wan}万{currency}"
    return text, {"amount": wan * 10_000, "currency": CURRENCY_ISO[currency]}


def rounded(value: float, digits: int = 6) -> float | int:
    """Expected numbers without float noise (5.2 万㎡ is 52000 m², not 52000.00000000001)."""
    value = round(value, digits)
    return int(value) if float(value).is_integer() else value
