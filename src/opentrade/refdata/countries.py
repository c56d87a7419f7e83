"""Country names and codes for validation: ISO 3166 (pycountry) with Chinese and English names (CLDR via babel)."""

from __future__ import annotations

from functools import lru_cache

import pycountry
from babel import Locale

# Spellings that registries use but CLDR does not list.
EXTRA_SPELLINGS = {
    "香港": "HKG", "中国香港": "HKG", "澳门": "MAC", "中国澳门": "MAC", "台湾": "TWN", "中国台湾": "TWN",
    "UK": "GBR", "GREAT BRITAIN": "GBR", "ENGLAND": "GBR", "USA": "USA", "U.S.": "USA", "UNITED STATES OF AMERICA": "USA",
    "SOUTH KOREA": "KOR", "KOREA": "KOR", "韩国": "KOR", "NORTH KOREA": "PRK", "RUSSIA": "RUS", "VIETNAM": "VNM",
    "LAOS": "LAO", "BOLIVIA": "BOL", "VENEZUELA": "VEN", "IRAN": "IRN", "SYRIA": "SYR", "TAIWAN": "TWN",
    "TURKEY": "TUR", "CZECH REPUBLIC": "CZE", "BRUNEI": "BRN", "CAPE VERDE": "CPV", "IVORY COAST": "CIV",
    "EAST TIMOR": "TLS", "MACAU": "MAC", "HONG KONG": "HKG",
}


@lru_cache(maxsize=1)
def country_spellings() -> dict[str, str]:
    """Upper-cased spelling → ISO 3166-1 alpha-3, for alpha-2/alpha-3/numeric codes and zh/en names."""
    table: dict[str, str] = {}
    zh = Locale("zh").territories
    zh_hant = Locale("zh_Hant").territories
    en = Locale("en").territories
    for c in pycountry.countries:
        a3 = c.alpha_3
        names = [c.alpha_2, c.alpha_3, c.numeric, c.name, getattr(c, "official_name", None),
                 getattr(c, "common_name", None), zh.get(c.alpha_2), zh_hant.get(c.alpha_2), en.get(c.alpha_2)]
        for name in names:
            if name:
                table[name.upper()] = a3
    table.update({k.upper(): v for k, v in EXTRA_SPELLINGS.items()})
    return table


@lru_cache(maxsize=1)
def currency_codes() -> dict[str, str]:
    table = {c.alpha_3: c.alpha_3 for c in pycountry.currencies}
    table.update({"RMB": "CNY", "人民币": "CNY", "元": "CNY", "美元": "USD", "欧元": "EUR", "日元": "JPY", "港元": "HKD"})
    return table


def country_name(alpha3: str | None, lang: str = "en") -> str | None:
    if not alpha3:
        return None
    c = pycountry.countries.get(alpha_3=alpha3)
    if c is None:
        return alpha3
    return Locale(lang).territories.get(c.alpha_2, c.name)
