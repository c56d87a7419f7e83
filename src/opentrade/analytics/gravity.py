"""Gravity by PPML: China's exports of a service category to each partner, explained by bilateral frictions.

For category c, partner m and year t (Santos Silva & Tenreyro 2006, Poisson pseudo-maximum likelihood)::

    E[X_mct] = exp(α_t + β_dist·ln dist_m + β_hours·overlap_m + β_zh·zh_m + β_en·en_m
                   + β_fta·FTA_mt + β_net·internet_mt + β_gdp·ln GDP_mt)

with year fixed effects α_t, standard errors clustered by partner (statsmodels GLM Poisson, cluster-robust
sandwich). The *ease* of a partner is the part of that prediction that comes from the bilateral terms (all but market
size), centred on the comparison set's mean so that an average partner has ln ease = 0::

    ln ease_m = Σ_j β_j (z_mj − z̄_j),   j ∈ {distance, office-hours overlap, Chinese, English, FTA, internet}

Everything here is numerics on arrays; the panel is assembled in :mod:`opentrade.analytics.market_inputs`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

#: regressors, in this order, of every fit; the last one is market size and does not enter ease
TERMS = ("ln_distance", "office_overlap", "lang_zh", "lang_en", "fta", "internet", "ln_gdp")
EASE_TERMS = TERMS[:-1]
TERM_LABELS = {
    "ln_distance": ("ln great-circle distance Shanghai → capital (km)", "上海至首都大圆距离（对数）"),
    "office_overlap": ("shared business hours 08:00–20:00 (h)", "共同营业时间 08:00–20:00（小时）"),
    "lang_zh": ("Chinese an official or major language (0/1)", "中文为官方或主要语言（0/1）"),
    "lang_en": ("English an official or major language (0/1)", "英语为官方或主要语言（0/1）"),
    "fta": ("FTA with China in force (share of the year)", "与中国自贸协定生效（年内比例）"),
    "internet": ("internet users (share of population, 0–1)", "互联网用户占比（0–1）"),
    "ln_gdp": ("ln GDP (current US$)", "国内生产总值（对数）"),
}


@dataclass(frozen=True)
class GravityFit:
    """One category's PPML fit: coefficients of :data:`TERMS` (year effects not reported) with cluster-robust
    standard errors."""

    category: str
    terms: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    cov: np.ndarray  # terms × terms
    n_obs: int
    n_partners: int
    first_year: int
    last_year: int
    pseudo_r2: float  # squared correlation of observed and fitted flows
    converged: bool
    level: float = 0.95

    def interval(self) -> tuple[np.ndarray, np.ndarray]:
        from scipy.stats import norm

        z = norm.ppf(0.5 + self.level / 2)
        return self.coef - z * self.se, self.coef + z * self.se

    def ease_coef(self) -> np.ndarray:
        return self.coef[[self.terms.index(t) for t in EASE_TERMS]]

    def ease_cov(self) -> np.ndarray:
        idx = [self.terms.index(t) for t in EASE_TERMS]
        return self.cov[np.ix_(idx, idx)]

    def rows(self) -> list[dict]:
        low, high = self.interval()
        return [{"category": self.category, "term": t, "label_en": TERM_LABELS[t][0], "label_zh": TERM_LABELS[t][1],
                 "coef": float(self.coef[i]), "se": float(self.se[i]), "ci_low": float(low[i]),
                 "ci_high": float(high[i]), "in_ease": t in EASE_TERMS}
                for i, t in enumerate(self.terms)]

    def summary(self) -> dict:
        return {"category": self.category, "n_obs": self.n_obs, "n_partners": self.n_partners,
                "years": [self.first_year, self.last_year], "pseudo_r2": self.pseudo_r2,
                "converged": self.converged, "level": self.level, "coefficients": self.rows()}


def fit_ppml(y: np.ndarray, x: np.ndarray, *, years: np.ndarray, partners: np.ndarray, category: str = "",
             terms: tuple[str, ...] = TERMS, level: float = 0.95) -> GravityFit:
    """PPML of ``y`` (n, non-negative flows) on ``x`` (n × len(terms)) with year fixed effects, SE clustered by
    ``partners``. Rows with a missing value anywhere are dropped. Flows are rescaled internally (PPML is scale
    invariant apart from the constant)."""
    import statsmodels.api as sm

    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    keep = np.isfinite(y) & np.isfinite(x).all(axis=1) & (y >= 0)
    y, x, years, partners = y[keep], x[keep], np.asarray(years)[keep], np.asarray(partners)[keep]
    if len(y) <= x.shape[1] + 2:
        raise ValueError(f"gravity {category}: too few complete observations ({len(y)})")
    year_levels = np.unique(years)
    dummies = (years[:, None] == year_levels[None, 1:]).astype(float)
    design = np.column_stack([x, np.ones(len(y)), dummies])
    scale = np.mean(y) or 1.0
    _, groups = np.unique(partners, return_inverse=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sm.GLM(y / scale, design, family=sm.families.Poisson()).fit(
            cov_type="cluster", cov_kwds={"groups": groups}, maxiter=200, tol=1e-10)
    k = x.shape[1]
    params = np.asarray(result.params)[:k]
    cov = np.asarray(result.cov_params())[:k, :k]
    fitted = np.asarray(result.fittedvalues) * scale
    r2 = float(np.corrcoef(y, fitted)[0, 1] ** 2) if np.std(y) > 0 and np.std(fitted) > 0 else float("nan")
    converged = bool(getattr(result, "converged", True)) and bool(np.all(np.isfinite(params)))
    return GravityFit(category, tuple(terms), params, np.sqrt(np.clip(np.diag(cov), 0, None)), cov, int(len(y)),
                      int(len(np.unique(partners))), int(year_levels.min()), int(year_levels.max()), r2, converged,
                      level)


def ease_log(coef: np.ndarray, z: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """ln ease per partner: ``z`` (partners × ease terms) − ``centre``, times the ease coefficients. Coefficients may
    be a matrix (draws × ease terms): then the result is draws × partners."""
    dz = np.nan_to_num(z - centre[None, :], nan=0.0)
    return dz @ np.asarray(coef).T if np.ndim(coef) == 1 else np.asarray(coef) @ dz.T


def ease_terms(coef: np.ndarray, z: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """partners × ease terms: each term's contribution β_j (z_mj − z̄_j) to ln ease (rows sum to :func:`ease_log`)."""
    return np.nan_to_num(z - centre[None, :], nan=0.0) * np.asarray(coef)[None, :]


def draw_coefficients(fit: GravityFit, draws: int, rng: np.random.Generator) -> np.ndarray:
    """draws × ease terms from the estimated sampling distribution N(β̂, V̂) of the ease coefficients."""
    cov = fit.ease_cov()
    cov = (cov + cov.T) / 2
    return rng.multivariate_normal(fit.ease_coef(), cov, size=draws, method="eigh")
