"""The yearly aggregations behind the headline figures, written for speed on a million-firm registry.

On SQLite they drive from the narrow KPI index of the firms that qualify (foreign-invested, digital) and look up
their yearly rows by primary key — a few hundred thousand point lookups instead of a join over every yearly row.
SQLite honours that order only when told (CROSS JOIN, INDEXED BY), hence hand-written SQL; every value is a bound
parameter. Other databases get the plain join and their own planner.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, text

from opentrade.domain.vocabulary import CORE_DIGITAL, FOREIGN_FUNDED


def _firms_join(conn: Connection) -> str:
    if conn.dialect.name == "sqlite":
        return "enterprise AS e INDEXED BY ix_enterprise_kpi CROSS JOIN enterprise_year AS y ON y.enterprise_id = e.id"
    return "enterprise AS e JOIN enterprise_year AS y ON y.enterprise_id = e.id"


def foreign_revenue_by_year(conn: Connection, years: list[int]) -> dict[int, tuple[float, int, int]]:
    """year → (revenue of foreign-/HMT-invested firms, rows, synthetic rows)."""
    sql = text(
        f"SELECT y.year, SUM(y.revenue), COUNT(*), SUM(CASE WHEN y.synthetic THEN 1 ELSE 0 END) "  # noqa: S608
        f"FROM {_firms_join(conn)} AND y.year IN :years "
        "WHERE e.ownership IN :owners AND y.revenue IS NOT NULL GROUP BY y.year"
    ).bindparams(bindparam("years", expanding=True), bindparam("owners", expanding=True))
    rows = conn.execute(sql, {"years": list(years), "owners": list(FOREIGN_FUNDED)})
    return {int(y): (float(rev), int(n), int(syn or 0)) for y, rev, n, syn in rows}


def tax_totals(conn: Connection, year: int) -> tuple[float | None, float | None, int, int]:
    """(tax of all firms, tax of digital-economy core firms, rows with tax, synthetic rows with tax) in ``year``."""
    total, n, syn = conn.execute(
        text("SELECT SUM(tax), COUNT(tax), SUM(CASE WHEN tax IS NOT NULL AND synthetic THEN 1 ELSE 0 END) "
             "FROM enterprise_year WHERE year = :year"),
        {"year": year},
    ).one()
    sql = text(
        f"SELECT SUM(y.tax) FROM {_firms_join(conn)} AND y.year = :year "  # noqa: S608
        "WHERE e.de_category IN :digital"
    ).bindparams(bindparam("digital", expanding=True))
    digital = conn.execute(sql, {"year": year, "digital": list(CORE_DIGITAL)}).scalar()
    return (None if total is None else float(total), 0.0 if digital is None and total is not None else digital,
            int(n or 0), int(syn or 0))
