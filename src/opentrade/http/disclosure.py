"""What a reader may see of one firm. Firm-level revenue, tax and foreign revenue are shown only to principals
with the read scope (anonymous readers of a public cockpit or API never see them); both edges ask here.

Disclosure control for published aggregates (issue #13) belongs in this module too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opentrade.services.auth import Principal
from opentrade.services.registry import FIRM_MONEY


def sees_firm_money(principal: Principal) -> bool:
    """Firm-level revenue, tax and foreign revenue: for principals with the read scope only."""
    return principal.can("read")


def withhold_firm_money(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with the firm-level money fields emptied (None: withheld, shown as missing)."""
    return [row | dict.fromkeys(FIRM_MONEY) for row in rows]
