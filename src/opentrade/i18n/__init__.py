"""Translations for every layer: catalogues in Chinese and English, language negotiation, localised values.

Services (fact sheets, import reports) and the cockpit use the same :class:`Translator`::

    from opentrade.i18n import Translator
    t = Translator("zh")
    t("error.not_found"), t.percent(0.2), t.money(1.2e8, compact=True)

Catalogue files: ``i18n/locales/<part>.<lang>.json`` (see :mod:`opentrade.i18n.translator`).
"""

from __future__ import annotations

from opentrade.i18n.translator import (
    CATALOGUE_DIR,
    COOKIE,
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Translator,
    catalogue,
    catalogue_files,
    load_catalogue,
    negotiate,
)

__all__ = ["CATALOGUE_DIR", "COOKIE", "DEFAULT_LANGUAGE", "LANGUAGES", "Translator", "catalogue", "catalogue_files",
           "load_catalogue", "negotiate"]
