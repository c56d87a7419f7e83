"""The market model's configuration (factors, segments, default weights, rules) and user weight files, validated;
and its sentences in English and Chinese (``data/markets/messages.yaml``): a code and parameters go out with every
sentence, so a cockpit can translate the code itself or show the rendered text."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from opentrade.errors import ConfigError

GROUPS = ("demand", "ease", "channel")


SOURCES = ("batis", "wdi_share", "unctad_dds", "wdi", "gravity", "computed", "china_agreements", "registry")
NORMALISATIONS = ("minmax", "winsor", "robust", "rank")
#: EBOPS 2010 categories the shipped BaTIS extract holds
CATEGORIES = ("SF", "SG", "SH", "SI", "SJ", "SK")


class FactorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    group: str
    source: str
    indicator: str
    transform: str = "identity"
    higher_is_better: bool = True
    scale: str = "minmax"  # "fixed": already a 0–1 score, kept as it is; otherwise the model's normalisation
    unit_en: str = ""
    unit_zh: str = ""
    en: str
    zh: str

    @field_validator("source")
    @classmethod
    def _source(cls, v: str) -> str:
        if v not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}")
        return v

    @field_validator("group")
    @classmethod
    def _group(cls, v: str) -> str:
        if v not in GROUPS:
            raise ValueError(f"group must be one of {', '.join(GROUPS)}")
        return v


class SupplyRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    digital_economy: list[str] = Field(default_factory=list)
    gbt4754: list[str] = Field(default_factory=list)
    clusters: list[str] = Field(default_factory=list)


class SegmentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    en: str
    zh: str
    ebops: list[str]
    categories: list[str] = Field(min_length=1)  # BaTIS (EBOPS 2010) items whose flows represent the segment
    imports_share: str  # WDI share of service imports that holds the segment (e.g. BM.GSR.CMCP.ZS)
    supply: SupplyRule
    weights: dict[str, float]

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[str]) -> list[str]:
        unknown = sorted(set(v) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown EBOPS categories {unknown}; the BaTIS extract holds {', '.join(CATEGORIES)}")
        return v


class Normalisation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: str = "winsor"
    winsor_pct: float = Field(default=5.0, gt=0, lt=50)
    robust_clip: float = Field(default=2.0, gt=0)

    @field_validator("method")
    @classmethod
    def _method(cls, v: str) -> str:
        if v not in NORMALISATIONS:
            raise ValueError(f"normalisation method must be one of {', '.join(NORMALISATIONS)}")
        return v


class Staleness(BaseModel):
    """A value more than ``max_age_years`` behind its series' latest year is stale: flagged and penalised."""

    model_config = ConfigDict(extra="forbid")

    max_age_years: int = Field(default=3, ge=0)
    penalty_per_year: float = Field(default=0.1, ge=0, le=1)
    max_penalty: float = Field(default=0.5, ge=0, le=1)
    mc_noise_per_year: float = Field(default=0.04, ge=0)


class MonteCarlo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    draws: int = Field(default=1000, ge=0)
    concentration: float = Field(default=50.0, gt=0)
    seed: int = 20240614
    tier_confidence: float = Field(default=0.9, gt=0.5, lt=1)
    top_k: int = Field(default=5, ge=1)


class DistrictShare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: float = Field(gt=0, le=1)
    basis_en: str
    basis_zh: str


class BacktestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    origins: list[int] = Field(min_length=1)
    horizon: int = Field(default=3, ge=3)
    regions: list[str] = Field(default_factory=lambda: ["asean", "lac"])
    resamples: int = Field(default=2000, ge=100)
    break_ratio: float = Field(default=3.0, gt=1)


class GravityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: partners left out of the estimation (still ranked): mainland China's own special customs territories
    exclude: list[str] = Field(default_factory=lambda: ["HKG", "MAC"])


class ModelConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: str
    factors: dict[str, FactorConfig]
    channel_kind_points: dict[str, float]
    segments: dict[str, SegmentConfig]
    normalisation: Normalisation = Field(default_factory=Normalisation)
    staleness: Staleness = Field(default_factory=Staleness)
    growth_years: int = Field(default=5, ge=1)
    office_hours: tuple[float, float] = (8.0, 20.0)
    monte_carlo: MonteCarlo = Field(default_factory=MonteCarlo)
    district_share: DistrictShare
    backtest: BacktestConfig
    gravity: GravityConfig = Field(default_factory=GravityConfig)

    def categories(self) -> list[str]:
        """Every EBOPS category some segment uses, in a stable order."""
        return sorted({c for seg in self.segments.values() for c in seg.categories})

    @model_validator(mode="after")
    def _weights_name_known_factors(self) -> ModelConfig:
        for seg_id, seg in self.segments.items():
            check_weights(seg.weights, known=self.factors, where=f"segment {seg_id}")
        return self


def check_weights(weights: dict[str, float], *, known: dict[str, FactorConfig], where: str) -> None:
    unknown = sorted(set(weights) - set(known))
    if unknown:
        raise ValueError(f"{where}: unknown factor(s) {', '.join(unknown)}; known: {', '.join(known)}")
    for name, w in weights.items():
        if not isinstance(w, (int, float)) or isinstance(w, bool) or w != w or w < 0 or w == float("inf"):
            raise ValueError(f"{where}: weight of {name} must be a non-negative number, got {w!r}")
    if sum(weights.values()) <= 0:
        raise ValueError(f"{where}: weights are all zero")


@lru_cache(maxsize=1)
def load_model_config() -> ModelConfig:
    text = resources.files("opentrade").joinpath("data", "markets", "model.yaml").read_text(encoding="utf-8")
    try:
        return ModelConfig.model_validate(yaml.safe_load(text))
    except (ValidationError, yaml.YAMLError) as exc:
        raise ConfigError(f"shipped market model (data/markets/model.yaml) is invalid: {exc}") from exc


def segment_weights(config: ModelConfig, segment: str, weights_file: Path | None = None) -> dict[str, float]:
    """The weights for ``segment``: the shipped defaults, or a user file (flat, or keyed by segment), checked."""
    if segment not in config.segments:
        raise ConfigError(f"unknown segment {segment!r}; choose one of: {', '.join(config.segments)}")
    if weights_file is None:
        return dict(config.segments[segment].weights)
    path = Path(weights_file)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: weights file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a readable YAML/JSON file: {str(exc).splitlines()[0]}") from None
    if not isinstance(doc, dict) or not doc:
        raise ConfigError(f"{path}: expected a mapping of factor → weight (or segment → mapping)")
    if all(isinstance(v, dict) for v in doc.values()):
        unknown = sorted(set(doc) - set(config.segments))
        if unknown:
            raise ConfigError(f"{path}: unknown segment(s) {', '.join(unknown)}")
        weights = doc.get(segment)
        if weights is None:
            return dict(config.segments[segment].weights)
    else:
        weights = doc
    try:
        check_weights(weights, known=config.factors, where=str(path))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return {k: float(v) for k, v in weights.items()}


# --------------------------------------------------------------------------------------------------------- messages


@lru_cache(maxsize=1)
def message_catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("opentrade").joinpath("data", "markets", "messages.yaml").read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"shipped market messages (data/markets/messages.yaml) are invalid: {exc}") from exc
    if not isinstance(doc, dict) or not all(isinstance(v, dict) and {"en", "zh"} <= v.keys() for v in doc.values()):
        raise ConfigError("data/markets/messages.yaml: every code needs an en and a zh sentence")
    return doc


def render(code: str, lang: str, **params: Any) -> str:
    return message_catalogue()[code][lang].format(**params)


def message(code: str, **params: Any) -> dict[str, Any]:
    """``{"code", "params", "text_en", "text_zh"}`` for one sentence."""
    return {"code": code, "params": params, "text_en": render(code, "en", **params),
            "text_zh": render(code, "zh", **params)}
