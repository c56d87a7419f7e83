"""PPML gravity: known coefficients come back from a generated panel; ease adds up; coefficient draws."""

from __future__ import annotations

import numpy as np
import pytest

from opentrade.analytics.gravity import EASE_TERMS, TERMS, draw_coefficients, ease_log, ease_terms, fit_ppml

TRUE = np.array([-0.8, 0.05, 1.2, 0.4, 0.3, 1.5, 0.9])  # in the order of TERMS


def _panel(partners: int = 400, years: int = 8, seed: int = 3) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    static = np.column_stack([
        rng.uniform(6.5, 9.9, partners),  # ln distance
        rng.uniform(0, 12, partners),  # shared hours
        (rng.random(partners) < 0.1).astype(float),  # Chinese
        (rng.random(partners) < 0.3).astype(float),  # English
    ])
    start = rng.integers(0, years + 4, partners)  # FTA start (some never within the panel)
    rows, y, yr, pid = [], [], [], []
    year_effect = np.linspace(0, 0.5, years)
    for t in range(years):
        fta = (start <= t).astype(float)
        net = np.clip(rng.uniform(0.1, 0.9, partners) + 0.02 * t, 0, 1)
        gdp = rng.normal(24, 1.5, partners)
        x = np.column_stack([static, fta, net, gdp])
        mu = np.exp(-18 + year_effect[t] + x @ TRUE)
        # multiplicative noise with mean 1 (heteroskedastic, as in trade data): PPML stays consistent
        flow = mu * rng.lognormal(-0.5 * 0.4 ** 2, 0.4, partners)
        rows.append(x), y.append(flow), yr.append(np.full(partners, 2010 + t)), pid.append(np.arange(partners))
    return np.concatenate(y), np.vstack(rows), np.concatenate(yr), np.concatenate(pid)


def test_ppml_recovers_known_elasticities() -> None:
    y, x, years, partners = _panel()
    fit = fit_ppml(y * 1e6, x, years=years, partners=partners, category="test")
    assert fit.converged and fit.n_obs == len(y) and fit.n_partners == 400
    assert fit.first_year == 2010 and fit.last_year == 2017
    assert np.all(np.abs(fit.coef - TRUE) < 3 * fit.se), (fit.coef, fit.se)
    np.testing.assert_allclose(fit.coef, TRUE, atol=0.1)
    low, high = fit.interval()
    assert ((low <= TRUE) & (TRUE <= high)).sum() >= 6  # 95 % intervals: (nearly) all cover the truth
    assert np.all(fit.se > 0) and fit.pseudo_r2 > 0.5
    assert [r["term"] for r in fit.rows()] == list(TERMS)
    assert not fit.rows()[-1]["in_ease"]  # market size is not part of ease


def test_ppml_keeps_zeros_and_drops_incomplete_rows() -> None:
    y, x, years, partners = _panel(partners=200, years=5, seed=8)
    y[:50] = 0.0  # zero flows are part of PPML's sample
    x[50:60, 5] = np.nan  # incomplete rows are dropped
    fit = fit_ppml(y, x, years=years, partners=partners)
    assert fit.n_obs == len(y) - 10
    with pytest.raises(ValueError, match="too few"):
        fit_ppml(y[:5], x[:5], years=years[:5], partners=partners[:5])


def test_ease_terms_add_up_and_are_zero_for_the_average_market() -> None:
    rng = np.random.default_rng(1)
    z = rng.normal(size=(30, len(EASE_TERMS)))
    centre = z.mean(axis=0)
    coef = TRUE[:-1]
    terms = ease_terms(coef, z, centre)
    np.testing.assert_allclose(terms.sum(axis=1), ease_log(coef, z, centre))
    assert ease_log(coef, centre[None, :], centre)[0] == pytest.approx(0.0)
    draws = np.vstack([coef, 2 * coef])
    assert ease_log(draws, z, centre).shape == (2, 30)
    np.testing.assert_allclose(ease_log(draws, z, centre)[1], 2 * ease_log(coef, z, centre))


def test_coefficient_draws_follow_the_estimated_distribution() -> None:
    y, x, years, partners = _panel(partners=300, years=6, seed=5)
    fit = fit_ppml(y, x, years=years, partners=partners)
    draws = draw_coefficients(fit, 4000, np.random.default_rng(0))
    assert draws.shape == (4000, len(EASE_TERMS))
    assert np.all(np.abs(draws.mean(axis=0) - fit.ease_coef()) < 4 * fit.se[:-1] / np.sqrt(4000))
    np.testing.assert_allclose(draws.std(axis=0), fit.se[:-1], rtol=0.08)


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # pyfixest's own pandas calls
def test_same_coefficients_and_errors_as_pyfixest() -> None:
    pf = pytest.importorskip("pyfixest")
    pd = pytest.importorskip("pandas")
    y, x, years, partners = _panel(partners=150, years=6, seed=12)
    ours = fit_ppml(y, x, years=years, partners=partners)
    frame = pd.DataFrame(x, columns=list(TERMS)).assign(flow=y / y.mean(), year=years, partner=partners)
    theirs = pf.fepois("flow ~ " + " + ".join(TERMS) + " | year", data=frame, vcov={"CRV1": "partner"})
    np.testing.assert_allclose(ours.coef, theirs.coef().to_numpy(), atol=1e-7)
    np.testing.assert_allclose(ours.se, theirs.se().to_numpy(), rtol=1e-4)
