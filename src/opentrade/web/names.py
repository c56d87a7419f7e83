"""Names shown on several pages, in the page's language: countries, service segments, 1+2+3+4 clusters and
digital-economy categories, channel kinds. Every label comes from the catalogues (``t(...)`` with literal keys,
so the catalogue test sees them) or from the bilingual names the reference data carries."""

from __future__ import annotations

from functools import cache

from opentrade.i18n import Translator
from opentrade.refdata.market_model import load_model_config
from opentrade.refdata.reference import load_reference
from opentrade.refdata.standards import Taxonomy


@cache
def _countries() -> dict[str, tuple[str, str]]:
    c = load_reference().countries
    return {iso: (zh, en) for iso, zh, en in c.select("iso3", "name_zh", "name_en").iter_rows()}


def country_name(t: Translator, iso3: str | None) -> str:
    if not iso3:
        return ""
    zh, en = _countries().get(iso3, (iso3, iso3))
    return t.pick(zh, en)


def segment_names(t: Translator) -> dict[str, str]:
    return {sid: t.pick(seg.zh, seg.en) for sid, seg in load_model_config().segments.items()}


def cluster_names(t: Translator, taxonomy: Taxonomy) -> dict[str, str]:
    return {c.id: t.pick(c.name_zh, c.name_en) for c in taxonomy.clusters}


def taxonomy_labels(t: Translator, taxonomy: Taxonomy) -> dict[str, dict[str, str]]:
    """Cluster and digital-economy category names, as the enterprise pages show them."""
    return {
        "cluster": cluster_names(t, taxonomy),
        "de": {k: t.pick(v.name_zh, v.name_en) for k, v in taxonomy.digital_economy.items()},
    }


def split(text: str | None) -> list[str]:
    return [p for p in (text or "").split(";") if p]


def channel_labels(t: Translator) -> dict[str, str]:
    return {"platform": t("mm.channel_platform"), "organisation": t("mm.channel_organisation"),
            "friendly_city": t("mm.channel_friendly_city"), "direct": t("mm.channel_direct")}
