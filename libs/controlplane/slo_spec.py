"""The SLO spec, ``gitops/slo/slos.yaml``, as typed data.

    spec = load_spec(SPEC_PATH)
    for slo in spec.budgeted():              # latency and ratio objectives
        slo.error_query("5m"), slo.total_query("5m"), slo.budget
    spec.burn_rate_tiers(slo)                # the alert tiers this SLO can reach

Every query is built here, so rules, reports and dashboards read the same expressions.
A malformed spec raises :class:`SpecError` naming the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from servicekit.settings import PROJECT_ROOT

SPEC_PATH = PROJECT_ROOT / "gitops" / "slo" / "slos.yaml"

# Windows the recording rules precompute: every burn-rate window, plus the budget window.
_DURATION = re.compile(r"^[1-9][0-9]*[smhdw]$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_SELECTOR = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$")


class SpecError(ValueError):
    """The SLO spec cannot be read or does not validate."""


def seconds(duration: str) -> int:
    """``"30m"`` -> 1800."""
    if not _DURATION.match(duration):
        raise SpecError(f"{duration!r} is not a duration like 5m, 1h, 30d")
    return int(duration[:-1]) * _SECONDS[duration[-1]]


def _duration(value: str) -> str:
    seconds(value)
    return value


def _selector(value: str) -> str:
    if not _SELECTOR.match(value):
        raise ValueError(f'{value!r} is not a metric selector like name{{label="value"}}')
    return value


def _with_range(selector: str, window: str) -> str:
    return f"{selector}[{window}]"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BurnRateTier(_Model):
    severity: Literal["page", "ticket"]
    long: str
    short: str
    factor: float = Field(gt=0)

    _long = field_validator("long", "short")(_duration)


class _Objective(_Model):
    name: str
    description: str

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r}: SLO names are lower-case words joined by '-'")
        return value


class _Budgeted(_Objective):
    objective: float = Field(gt=0, lt=1)

    @property
    def budget(self) -> float:
        """The share of events allowed to be bad."""
        return round(1 - self.objective, 10)

    def error_query(self, window: str) -> str:
        raise NotImplementedError

    def total_query(self, window: str) -> str:
        raise NotImplementedError

    def error_ratio_query(self, window: str) -> str:
        return f"({self.error_query(window)})\n/\n({self.total_query(window)})"


class LatencySLO(_Budgeted):
    kind: Literal["latency"]
    histogram: str
    threshold_seconds: float = Field(gt=0)
    warn_above_factor: float | None = Field(default=None, gt=1)

    _histogram = field_validator("histogram")(_selector)

    @property
    def le(self) -> str:
        # prometheus_client writes bucket bounds with repr(float): 0.3 -> "0.3", 1 -> "1.0".
        return repr(float(self.threshold_seconds))

    @property
    def percentile(self) -> float:
        return self.objective

    def total_query(self, window: str) -> str:
        return f"sum(increase({_with_range(self.histogram + '_count', window)}))"

    def error_query(self, window: str) -> str:
        good = f'{self.histogram}_bucket{{le="{self.le}"}}'
        return f"{self.total_query(window)} - sum(increase({_with_range(good, window)}))"

    def quantile_query(self, window: str) -> str:
        return (
            f"histogram_quantile({self.objective}, "
            f"sum by (le) (rate({_with_range(self.histogram + '_bucket', window)})))"
        )


class RatioSLO(_Budgeted):
    kind: Literal["ratio"]
    total: str
    errors: str
    warn_below_factor: float | None = Field(default=None, gt=0, lt=1)

    _selectors = field_validator("total", "errors")(_selector)

    def total_query(self, window: str) -> str:
        return f"sum(increase({_with_range(self.total, window)}))"

    def error_query(self, window: str) -> str:
        # No error series yet means no errors (0), not "no data".
        return f"(sum(increase({_with_range(self.errors, window)})) or vector(0))"


class ZeroSLO(_Objective):
    kind: Literal["zero"]
    counter: str

    _counter = field_validator("counter")(_selector)

    def increase_query(self, window: str) -> str:
        # A labelled counter is born at its first increment, so increase() alone misses the first
        # event of each new series: count series that did not exist a window ago too.
        # No series at all (no leak since the process started) reads 0, not "no data".
        return (
            f"(sum(increase({_with_range(self.counter, window)})) or vector(0))"
            f" + (sum({self.counter} unless {self.counter} offset {window}) or vector(0))"
        )


class PerUnitSLO(_Objective):
    kind: Literal["per_unit"]
    counter: str
    per: str
    # What one unit of ``per`` is, for people: "call".
    unit: str = "unit"
    maximum: float = Field(gt=0)

    _selectors = field_validator("counter", "per")(_selector)

    def value_query(self, window: str) -> str:
        return (
            f"sum(increase({_with_range(self.counter, window)}))"
            f" / sum(increase({_with_range(self.per, window)}))"
        )


SLO = Annotated[LatencySLO | RatioSLO | ZeroSLO | PerUnitSLO, Field(discriminator="kind")]


class RunbookAlerts(_Model):
    error_budget_remaining_below: float = Field(gt=0, lt=1)
    no_healthy_model_provider: str

    _gauge = field_validator("no_healthy_model_provider")(_selector)


class Spec(_Model):
    version: Literal[1]
    budget_window: str
    burn_rate_alerts: tuple[BurnRateTier, ...]
    slos: tuple[SLO, ...]
    alerts: RunbookAlerts

    _window = field_validator("budget_window")(_duration)

    @field_validator("slos")
    @classmethod
    def _unique(cls, slos: tuple[Any, ...]) -> tuple[Any, ...]:
        names = [slo.name for slo in slos]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"SLO names must be unique: {', '.join(duplicates)}")
        return slos

    def budgeted(self) -> list[LatencySLO | RatioSLO]:
        return [slo for slo in self.slos if isinstance(slo, LatencySLO | RatioSLO)]

    def slo(self, name: str) -> SLO:
        for slo in self.slos:
            if slo.name == name:
                return slo
        raise KeyError(name)

    def burn_rate_tiers(self, slo: LatencySLO | RatioSLO) -> list[BurnRateTier]:
        """The tiers whose threshold (factor x budget) an error ratio can reach (at most 1)."""
        return [tier for tier in self.burn_rate_alerts if tier.factor * slo.budget <= 1]

    def windows(self) -> list[str]:
        """Every window an error ratio is recorded over, shortest first."""
        found = {self.budget_window}
        for tier in self.burn_rate_alerts:
            found.update((tier.long, tier.short))
        return sorted(found, key=seconds)


def load_spec(path: Path = SPEC_PATH) -> Spec:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise SpecError(f"cannot read the SLO spec {path}: {error}") from error
    try:
        return Spec.model_validate(data)
    except ValidationError as error:
        raise SpecError(f"{path}: {error}") from error
