"""The market model's backtest as a service: run once per region set (cached), then per segment a table of the model
against the four baselines, for both outcomes, with a sentence an officer can read beside every ρ (en and zh).

See :mod:`opentrade.analytics.market_backtest` for the method. The first fields of :class:`Backtest` keep the shape
earlier callers use (the growth outcome; GDP as "the baseline").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from opentrade.analytics.market_backtest import OUTCOMES, PREDICTORS, BacktestRun, run_backtest
from opentrade.errors import ConfigError
from opentrade.refdata.market_model import load_model_config, message
from opentrade.refdata.reference import load_reference
from opentrade.store.db import Database

PREDICTOR_LABELS = {
    "model": ("the model", "模型"),
    "region": ("region dummy (ASEAN = 1)", "地区虚拟变量（东盟=1）"),
    "gdp": ("GDP", "国内生产总值"),
    "imports": ("imports of the segment's service group", "本细分服务大类进口额"),
    "persistence": ("persistence (last period's outcome)", "惯性（上一期结果）"),
}
OUTCOME_LABELS = {
    "growth": ("growth of China's exports, % a year (T → T+h)", "中国出口年均增速（T→T+h）"),
    "gain": ("gain in China's exports, US$ (T → T+h)", "中国出口增加额（美元，T→T+h）"),
}


@dataclass
class Backtest:
    segment: str
    year: int  # the last origin
    horizon: int
    markets: int
    rho: float  # the model, growth outcome, mean over origins
    rho_interval: tuple[float, float]
    baseline_rho: float  # GDP, growth outcome
    baseline_interval: tuple[float, float]
    rows: list[dict]  # per market at the last origin
    notes: list[str]
    origins: list[int] = field(default_factory=list)
    table: list[dict[str, Any]] = field(default_factory=list)  # outcome × predictor
    breaks: list[str] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    normalisation: dict[str, Any] = field(default_factory=dict)
    summary: list[dict[str, Any]] = field(default_factory=list)  # one sentence per outcome for the model


def _focus(regions: tuple[str, ...]) -> list[str]:
    countries = load_reference().countries
    groups = list(regions) if "all" not in regions else ["asean", "lac", "other"]
    return sorted(countries.filter(countries["focus_group"].is_in(groups))["iso3"].to_list())


@lru_cache(maxsize=4)
def backtest_run(regions: tuple[str, ...] = ("asean", "lac"), origins: tuple[int, ...] | None = None,
                 horizon: int | None = None) -> BacktestRun:
    """Every segment's backtest over the markets of ``regions`` (cached per process)."""
    unknown = sorted(set(regions) - {"asean", "lac", "other", "all"})
    if unknown:
        raise ConfigError(f"unknown region(s) {', '.join(unknown)} for the backtest; choose from asean, lac, other, all")
    try:
        return run_backtest(load_reference(), load_model_config(), markets=_focus(regions),
                            origins=list(origins) if origins else None, horizon=horizon)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _fmt(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:+.2f}"


def _table(run: BacktestRun, segment: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cfg = load_model_config().segments[segment]
    seg = run.segments[segment]
    common = {"origins": len(run.origins), "first": run.origins[0], "last": run.origins[-1], "horizon": run.horizon,
              "segment": cfg.en, "segment_zh": cfg.zh}
    rows, summary = [], []
    for outcome in OUTCOMES:
        res = seg.outcomes[outcome]
        p = res.paired
        rho, (lo, hi) = p.rho["model"], p.rho_interval["model"]
        way = "up" if lo > 0 else "down" if hi < 0 else "none"
        ways = message(f"bt.outcome.{outcome}.{way}")
        model_sentence = message(f"bt.model.{way}", **common, outcome=ways["text_en"], outcome_zh=ways["text_zh"],
                                 rho=_fmt(rho), lo=_fmt(lo), hi=_fmt(hi))
        summary.append({"outcome": outcome, **model_sentence})
        for pred in PREDICTORS:
            row: dict[str, Any] = {
                "outcome": outcome, "outcome_en": OUTCOME_LABELS[outcome][0], "outcome_zh": OUTCOME_LABELS[outcome][1],
                "predictor": pred, "label_en": PREDICTOR_LABELS[pred][0], "label_zh": PREDICTOR_LABELS[pred][1],
                "rho": p.rho[pred], "rho_low": p.rho_interval[pred][0], "rho_high": p.rho_interval[pred][1],
                "per_origin": dict(zip(run.origins, p.per_origin[pred], strict=True)),
                "precision_at_5": res.precision_at_5[pred], "within_region_rho": res.within_region[pred],
            }
            if pred == "model":
                row |= {"verdict": way, "sentence": model_sentence, "rho_without_breaks": res.rho_without_breaks}
            else:
                d, (dlo, dhi) = p.delta[pred], p.delta_interval[pred]
                verdict = "beats" if dlo > 0 else "loses" if dhi < 0 else "ties"
                base = message(f"baseline.{pred}")
                row |= {"delta": d, "delta_low": dlo, "delta_high": dhi, "verdict": verdict,
                        "sentence": message(f"bt.{verdict}", baseline=base["text_en"], baseline_zh=base["text_zh"],
                                            rho=_fmt(rho), base=_fmt(p.rho[pred]), delta=_fmt(d), lo=_fmt(dlo),
                                            hi=_fmt(dhi))}
            rows.append(row)
    return rows, summary


def backtest(db: Database | None = None, *, segment: str = "ict", regions: tuple[str, ...] = ("asean", "lac"),
             origins: tuple[int, ...] | None = None, horizon: int | None = None) -> Backtest:
    """The rolling-origin backtest of ``segment`` over the markets of ``regions`` (``db`` is unused: the registry
    has no history; kept for the callers' signature)."""
    config = load_model_config()
    if segment not in config.segments:
        raise ConfigError(f"unknown segment {segment!r}; choose one of: {', '.join(config.segments)}")
    run = backtest_run(tuple(regions), tuple(origins) if origins else None, horizon)
    seg = run.segments[segment]
    table, summary = _table(run, segment)
    growth = seg.outcomes["growth"].paired
    last = seg.origins[-1]
    rows = []
    for k, iso3 in enumerate(seg.markets):
        g = last.outcomes["growth"][k]
        rows.append({"iso3": iso3, "origin": last.origin, "score": float(last.predictors["model"][k]),
                     "gdp": float(last.predictors["gdp"][k]),
                     "realised_cagr": None if not np.isfinite(g) else float(g) / 100,
                     "realised_growth_pct": None if not np.isfinite(g) else float(g),
                     "realised_gain_usd": None if not np.isfinite(last.outcomes["gain"][k])
                     else float(last.outcomes["gain"][k]),
                     "series_break": iso3 in last.breaks})
    ranking = run.method_ranking()
    notes = [*run.notes,
             f"{len(seg.breaks)} market(s) with a partner-specific series break (a year-on-year jump "
             f"{config.backtest.break_ratio:g}× away from that year's median) in some window: "
             f"{' '.join(seg.breaks) or 'none'}; ρ without them is reported beside the model's",
             *(f"year-wide revision in China's BaTIS reporting: {y} (median ratio ×{m:.2f} across partners)"
               for y, m in seg.revisions.items())]
    return Backtest(
        segment, run.origins[-1], run.horizon, len(seg.markets), growth.rho["model"], growth.rho_interval["model"],
        growth.rho["gdp"], growth.rho_interval["gdp"], rows, notes, list(run.origins), table, seg.breaks,
        [{"year": y, "median_ratio": m} for y, m in seg.revisions.items()],
        {"method": run.method, "mean_rho_by_method": ranking,
         "rule": "the normalisation is chosen in data/markets/model.yaml from this comparison "
                 "(docs/markets-method.md)"},
        summary)
