"""Diversification analytics: Balassa RCA, presence, Hidalgo–Hausmann proximity and density.

Pure numpy over a locations × products matrix of export values X (rows c, columns p); no I/O::

    RCA_cp = (X_cp / X_c) / (X_p / X_w)       X_c = Σ_p X_cp,  X_p = Σ_c X_cp,  X_w = Σ_p X_p
    M_cp   = 1 if RCA_cp ≥ threshold else 0     (threshold 1 by default)
    φ_pp'  = min(P(M_p | M_p'), P(M_p' | M_p)) = C_pp' / max(u_p, u_p')      C = MᵀM,  u_p = Σ_c M_cp
    d_cp   = Σ_p' M_cp' φ_pp' / Σ_p' φ_pp'     (p' runs over all products, p itself included: φ_pp = 1)

These are the definitions of ``ecomplexity`` 0.5.3 (py-ecomplexity, Harvard Growth Lab): its ``ecomplexity()``
columns ``rca``, ``mcp``, ``diversity``, ``ubiquity`` and ``density`` (default options: ``presence_test="rca"``,
discrete symmetric proximity, no ``knn``) and its ``proximity()`` table; the tests compare the two on random
matrices. Edge cases, and where this module deliberately differs:

* Empty locations and products (total value 0) are removed before anything is computed, as ecomplexity does,
  and RCA is computed on what remains with the same reductions in the same order (row sums, column sums, then
  the sum of the column sums), so RCA is equal to the last bit. That matters because M is a threshold on RCA and
  RCA is exactly 1 in theory more often than one might think (a product exported in proportion to the
  exporters' sizes): a different summation order flips M there. Empty rows and columns then get 0 in every
  output (ecomplexity leaves them out of its matrices; in its long output they are NaN or absent).
* Products that no location has (ubiquity 0: usual with a threshold above 1, possible at 1 through rounding)
  make ecomplexity divide 0 by 0: their proximity row and column are NaN, and the NaN spreads through the
  density matrix product to every density of that year. Here their proximities are 0 and density is computed
  from the other products (their own density is 0: Σ φ = 0). This equals ecomplexity's density computed from
  its proximity matrix with the NaNs replaced by 0.
* The conditional probabilities are divided exactly as ecomplexity divides them, so proximities are equal to
  the last bit; density is computed as (M φᵀ) / Σφ instead of M (φᵀ / Σφ), equal within a few ulps.
* Missing values (NaN, null) count as 0 and duplicate (time, location, product) rows keep the first
  occurrence, as in ecomplexity. (ecomplexity means to fill missing values with 0 but does it with
  ``data.val.fillna(0, inplace=True)``, which under pandas 3's copy-on-write changes nothing: the value then
  counts as 0 in every sum and in M, as here, but its own RCA comes out NaN instead of 0.) Negative or infinite
  values are rejected (ecomplexity would return negative or infinite RCA), and so is a threshold ≤ 0 (it would
  make empty locations and products present everywhere).
* Not covered: the RPOP and manual presence tests, continuous or asymmetric proximity, k-nearest-neighbour
  density, and ECI/PCI/COI/COG.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

__all__ = [
    "YearComplexity",
    "complexity_frame",
    "complexity_matrices",
    "density",
    "mcp",
    "proximity",
    "proximity_frame",
    "rca",
]

KEYS = ("time", "loc", "prod", "val")
DEFAULT_COLS: dict[str, str] = {k: k for k in KEYS}
_BLOCK = 256  # rows of the proximity matrix divided at a time


def _matrix(a: Any, name: str) -> np.ndarray:
    x = np.asarray(a, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (locations × products), got shape {x.shape}")
    return x


def _check_threshold(threshold: float) -> float:
    t = float(threshold)
    if not (t > 0 and math.isfinite(t)):
        raise ValueError(f"the RCA threshold must be a positive number, got {threshold!r}")
    return t


def rca(exports: Any) -> np.ndarray:
    """Balassa revealed comparative advantage of a locations × products matrix of export values.

    NaN counts as 0; rows and columns with total 0 give 0 (not NaN). Returns a new float64 array.
    """
    x = _matrix(exports, "exports")
    nan = np.isnan(x)
    if nan.any():
        x = np.where(nan, 0.0, x)
    if (x < 0).any() or np.isinf(x).any():
        raise ValueError("export values must be finite and non-negative")
    rows = x.sum(axis=1) != 0
    cols = x.sum(axis=0) != 0
    full = bool(rows.all() and cols.all())
    out = np.zeros(x.shape)
    if not (rows.any() and cols.any()):
        return out
    # ecomplexity's calculate_rca on the matrix without its empty rows and columns, step by step, so that
    # every sum is accumulated in the same order and the result is identical to the last bit
    sub = np.ascontiguousarray(x if full else x[np.ix_(rows, cols)])
    share = sub / sub.sum(axis=1)[:, np.newaxis]
    prod_total = sub.sum(axis=0)[np.newaxis, :]
    world_total = prod_total.sum(axis=1)[:, np.newaxis]
    values = share / (prod_total / world_total)
    if full:
        return values
    out[np.ix_(rows, cols)] = values
    return out


def mcp(rca_values: Any, threshold: float = 1.0) -> np.ndarray:
    """Binary presence matrix M: 1.0 where RCA ≥ threshold, else 0.0 (NaN gives 0). float64, ready for BLAS."""
    t = _check_threshold(threshold)
    return (_matrix(rca_values, "rca") >= t).astype(np.float64)


def proximity(m: Any) -> np.ndarray:
    """Product proximity φ (products × products, symmetric) from a binary locations × products matrix M.

    φ_pp' = C_pp' / max(u_p, u_p') with C = MᵀM the co-occurrence counts and u the ubiquities; this is
    min(C_pp'/u_p', C_pp'/u_p), bit for bit, since division is monotone. φ_pp = 1 for every product some
    location has; products no location has get 0 throughout (ecomplexity: NaN).
    """
    mm = _matrix(m, "m")
    co = mm.T @ mm  # integer counts, exact in float64; numpy uses a symmetric rank-k update (syrk) for AᵀA
    ubiquity = mm.sum(axis=0)
    ubiquity[ubiquity == 0] = 1.0  # their co-occurrences are all 0, so their φ is 0
    for i in range(0, len(ubiquity), _BLOCK):  # in place, a block of rows at a time: no second p × p array
        rows = slice(i, i + _BLOCK)
        co[rows] /= np.maximum(ubiquity[rows, np.newaxis], ubiquity[np.newaxis, :])
    return co


def density(m: Any, phi: Any) -> np.ndarray:
    """Density d_cp = Σ_p' M_cp' φ_pp' / Σ_p' φ_pp' (locations × products); 0 where Σ_p' φ_pp' = 0."""
    mm = _matrix(m, "m")
    ph = _matrix(phi, "phi")
    if ph.shape != (mm.shape[1], mm.shape[1]):
        raise ValueError(f"phi must be {mm.shape[1]} × {mm.shape[1]} (products × products), got {ph.shape}")
    total = ph.sum(axis=1)
    out = mm @ ph.T
    empty = total == 0
    np.divide(out, total, out=out, where=~empty)
    if empty.any():
        out[:, empty] = 0.0
    return out


# ---------------------------------------------------------------------------------------------------------
# Long tables (one row per time × location × product), like ecomplexity's input and output


@dataclass(frozen=True)
class _Year:
    time: Any
    locs: pl.Series  # sorted
    prods: pl.Series  # sorted
    x: np.ndarray  # locs × prods export values, 0 where no row


def _columns(cols: Mapping[str, str] | None) -> dict[str, str]:
    names = dict(DEFAULT_COLS)
    if cols:
        unknown = set(cols) - set(KEYS)
        if unknown:
            raise ValueError(f"cols keys must be among {KEYS}, got {sorted(unknown)}")
        names.update(cols)
    return names


def _read_long(df: Any, names: dict[str, str]) -> tuple[pl.DataFrame, bool]:
    """The four columns under their standard names, values cleaned; and whether df is pandas (or alike)."""
    if isinstance(df, pl.DataFrame):
        columns, is_pandas = df.columns, False
    elif hasattr(df, "columns") and hasattr(df, "to_numpy"):
        columns, is_pandas = list(df.columns), True
    else:
        raise TypeError(f"expected a polars or pandas DataFrame, got {type(df).__name__}")
    missing = [names[k] for k in KEYS if names[k] not in columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}")
    if not is_pandas:
        frame = df.select(pl.col(names[k]).alias(k) for k in KEYS)
    else:
        try:
            frame = pl.DataFrame({k: pl.from_pandas(df[names[k]]) for k in KEYS})
        except ImportError:  # no pyarrow for this column type: through numpy
            frame = pl.DataFrame({k: np.asarray(df[names[k]].to_numpy()) for k in KEYS})
    for k in ("time", "loc", "prod"):
        if frame[k].null_count():
            raise ValueError(f"column {names[k]!r} has missing values")
    if not frame["val"].dtype.is_numeric():
        raise TypeError(f"column {names['val']!r} must be numeric, got {frame['val'].dtype}")
    frame = frame.with_columns(pl.col("val").cast(pl.Float64).fill_nan(0.0).fill_null(0.0))
    if frame.select(((pl.col("val") < 0) | pl.col("val").is_infinite()).any()).item():
        raise ValueError(f"column {names['val']!r} must be finite and non-negative")
    return frame, is_pandas


def _codes(s: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """Sorted distinct values, and each value's position among them."""
    levels = s.unique().sort()
    codes = s.replace_strict(levels, pl.Series(np.arange(len(levels), dtype=np.uint32)))
    return levels, codes.to_numpy().astype(np.intp)


def _years(frame: pl.DataFrame) -> Iterator[_Year]:
    groups = frame.partition_by("time", maintain_order=True, as_dict=True)
    for key in sorted(groups):
        g = groups[key]
        (locs, li), (prods, pi) = _codes(g["loc"]), _codes(g["prod"])
        x = np.zeros((len(locs), len(prods)))
        cell = li * len(prods) + pi
        val = g["val"].to_numpy()
        if np.bincount(cell, minlength=x.size).max(initial=0) > 1:  # duplicates: the first row counts
            _, first = np.unique(cell, return_index=True)
            cell, val = cell[first], val[first]
        x.ravel()[cell] = val
        yield _Year(key[0], locs, prods, x)


def _drop_empty(year: _Year) -> _Year:
    """The year without its locations and products of total value 0."""
    rows, cols = year.x.sum(axis=1) != 0, year.x.sum(axis=0) != 0
    if rows.all() and cols.all():
        return year
    x = year.x[np.ix_(rows, cols)]
    return _Year(year.time, year.locs.filter(pl.Series(rows)), year.prods.filter(pl.Series(cols)), x)


@dataclass(frozen=True)
class YearComplexity:
    """One year's matrices: rows follow ``locs``, columns (and proximity rows) follow ``prods``, both sorted."""

    time: Any
    locs: pl.Series
    prods: pl.Series
    exports: np.ndarray  # locations × products, 0 where the input has no row
    rca: np.ndarray
    mcp: np.ndarray  # 0.0 / 1.0
    proximity: np.ndarray  # products × products
    density: np.ndarray


def _matrices(frame: pl.DataFrame, threshold: float, drop_empty: bool) -> Iterator[YearComplexity]:
    for year in _years(frame):
        if drop_empty:
            year = _drop_empty(year)
        r = rca(year.x)
        m = mcp(r, threshold)
        phi = proximity(m)
        yield YearComplexity(year.time, year.locs, year.prods, year.x, r, m, phi, density(m, phi))


def complexity_matrices(
    df: Any,
    *,
    cols: Mapping[str, str] | None = None,
    threshold: float = 1.0,
    drop_empty: bool = False,
) -> list[YearComplexity]:
    """RCA, M, proximity and density matrices of a long table of export values, one entry per year (sorted).

    ``df``: a polars or pandas DataFrame with time, location, product and value columns, named as in ``cols``
    (ecomplexity's ``cols_input``, e.g. ``{"time": "year", "loc": "origin", "prod": "hs92", "val":
    "export_val"}``; by default they are called time, loc, prod, val). A year's matrices span the locations
    and products that have a row in that year. Missing values count as 0 and duplicate rows keep the first.
    Locations and products with total value 0 get 0 throughout, or with ``drop_empty=True`` are left out, as
    ecomplexity leaves them out.
    """
    t = _check_threshold(threshold)
    frame, _ = _read_long(df, _columns(cols))
    return list(_matrices(frame, t, drop_empty))


def _finish(
    parts: list[pl.DataFrame], schema: dict[str, Any], rename: dict[str, str], is_pandas: bool
) -> Any:
    out = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    out = out.rename(rename)
    if is_pandas:
        try:
            return out.to_pandas()
        except ImportError:  # polars converts through pyarrow; without it, through numpy (slower for text)
            import pandas as pd

            return pd.DataFrame({c: out[c].to_numpy() for c in out.columns})
    return out


def complexity_frame(
    df: Any,
    *,
    cols: Mapping[str, str] | None = None,
    threshold: float = 1.0,
    drop_empty: bool = False,
) -> Any:
    """:func:`complexity_matrices` as a long table, like ecomplexity's ``ecomplexity()`` output.

    Returns a table of the same kind as ``df`` (polars or pandas) with one row per year × location × product
    of that year (all combinations, value 0 where the input has no row), sorted, with the four input columns
    under their input names, then ``rca``, ``mcp`` (int8), ``diversity``, ``ubiquity`` (int64) and
    ``density``: ecomplexity's columns of the same names. With ``drop_empty=True`` the rows are exactly those
    that ecomplexity fills in (it has NaN or no row for locations and products with total value 0; here they
    are 0). Other input columns are not carried over.
    """
    t = _check_threshold(threshold)
    names = _columns(cols)
    frame, is_pandas = _read_long(df, names)
    parts = []
    for y in _matrices(frame, t, drop_empty):
        n_loc, n_prod = y.exports.shape
        n = n_loc * n_prod
        parts.append(
            pl.DataFrame(
                {
                    "time": pl.repeat(y.time, n, dtype=frame.schema["time"], eager=True),
                    "loc": y.locs.gather(np.repeat(np.arange(n_loc), n_prod)),
                    "prod": y.prods.gather(np.tile(np.arange(n_prod), n_loc)),
                    "val": y.exports.ravel(),
                    "rca": y.rca.ravel(),
                    "mcp": y.mcp.ravel().astype(np.int8),
                    "diversity": np.repeat(y.mcp.sum(axis=1).astype(np.int64), n_prod),
                    "ubiquity": np.tile(y.mcp.sum(axis=0).astype(np.int64), n_loc),
                    "density": y.density.ravel(),
                }
            )
        )
    schema = {
        **{k: frame.schema[k] for k in KEYS},
        "rca": pl.Float64,
        "mcp": pl.Int8,
        "diversity": pl.Int64,
        "ubiquity": pl.Int64,
        "density": pl.Float64,
    }
    return _finish(parts, schema, {k: names[k] for k in KEYS}, is_pandas)


def proximity_frame(
    df: Any,
    *,
    cols: Mapping[str, str] | None = None,
    threshold: float = 1.0,
    drop_empty: bool = False,
) -> Any:
    """Product proximities of a long table, as ecomplexity's ``proximity()`` returns them.

    Same input as :func:`complexity_matrices`. Returns one row per year × product × product (both orders, the
    diagonal included), sorted, with columns ``<time>``, ``<prod>_1``, ``<prod>_2``, ``proximity``, where
    ``<time>`` and ``<prod>`` are the input's column names. Products with total value 0 have proximity 0, or
    with ``drop_empty=True`` are left out, as ecomplexity leaves them out.
    """
    t = _check_threshold(threshold)
    names = _columns(cols)
    frame, is_pandas = _read_long(df, names)
    parts = []
    for year in _years(frame):
        if drop_empty:
            year = _drop_empty(year)
        phi = proximity(mcp(rca(year.x), t))
        k = len(year.prods)
        parts.append(
            pl.DataFrame(
                {
                    "time": pl.repeat(year.time, k * k, dtype=frame.schema["time"], eager=True),
                    "prod_1": year.prods.gather(np.repeat(np.arange(k), k)),
                    "prod_2": year.prods.gather(np.tile(np.arange(k), k)),
                    "proximity": phi.ravel(),
                }
            )
        )
    prod_dtype = frame.schema["prod"]
    schema = {
        "time": frame.schema["time"],
        "prod_1": prod_dtype,
        "prod_2": prod_dtype,
        "proximity": pl.Float64,
    }
    rename = {"time": names["time"], "prod_1": f"{names['prod']}_1", "prod_2": f"{names['prod']}_2"}
    return _finish(parts, schema, rename, is_pandas)
