"""Generated rows shaped for the importer: one list per field of an import spec."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opentrade.ingest.schemas import EntitySpec


def columns_of(spec: EntitySpec, rows: Iterable[dict[str, Any]], *, synthetic: bool | None = None) -> dict[str, list]:
    """Rows (dicts keyed by field name; other keys ignored) → columns for every field of ``spec`` they use."""
    rows = list(rows)
    fields = [c.field for c in spec.columns if any(c.field in r for r in rows) or
              (c.field == "synthetic" and synthetic is not None)]
    out: dict[str, list] = {f: [] for f in fields}
    for r in rows:
        for f in fields:
            value = r.get(f)
            if f == "synthetic" and "synthetic" not in r:
                value = synthetic
            out[f].append(value)
    return out
