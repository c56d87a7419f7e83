"""The market model's configuration (factors, segments, default weights) and user weight files, validated."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from opentrade.errors import ConfigError

GROUPS = ("demand", "ease", "channel")


class FactorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    group: str
    source: str
    indicator: str
    transform: str = "identity"
    higher_is_better: bool = True
    scale: str = "minmax"
    en: str
    zh: str

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
    supply: SupplyRule
    weights: dict[str, float]


class ModelConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: str
    factors: dict[str, FactorConfig]
    channel_kind_points: dict[str, float]
    segments: dict[str, SegmentConfig]

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
