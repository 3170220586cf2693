"""``FRONTDESK_LLM_CONFIG``: routes in litellm's proxy format plus a ``frontdesk:`` section.

::

    model_list:                       # litellm's own shape; a route is a model_name
      - model_name: dialogue
        litellm_params: {model: openai/gpt-4o-mini, api_base: http://..., api_key: os.environ/KEY}
        model_info: {id: alpha}       # the deployment's name in metrics and ListRoutes
    router_settings: {timeout: 10}    # passed to litellm's Router (retries and cooldowns are ours)
    frontdesk:
      default_route: dialogue
      ttft_budget_ms: 800
      deadline_ms: 8000
      hedging: {enabled: true, max_share: 0.1}
      breaker: {window_s: 30, min_requests: 5, failure_rate: 0.5, open_s: 10, slow_ttft_ms: 2000}
      canary_routes: {flag: llm_model_routing, variants: {candidate: dialogue-next}}
      cost_cap_usd_per_call: 2.0      # then RESOURCE_EXHAUSTED: the call goes on with rules
      cache_entries: 1000             # exact match per call, FAQ answers per clinic; 0: off

Every problem is reported as ``<file>: <key>: <reason>`` (:class:`LlmConfigError`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

_ENV_PREFIX = "os.environ/"
# The ``variant`` label of a request not in the canary (Unleash's name) and of one whose caller
# named the route itself.
DISABLED = "disabled"
EXPLICIT = "explicit"


class LlmConfigError(ValueError):
    """The LLM config file is missing, not YAML, or wrong at a named key."""


class LitellmParams(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    api_base: str | None = None
    api_key: str | None = None


class ModelEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    model_name: str = Field(min_length=1)
    litellm_params: LitellmParams
    model_info: dict[str, Any] = Field(default_factory=dict)


class BreakerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window_s: float = Field(default=30.0, gt=0)
    min_requests: int = Field(default=5, ge=1)
    failure_rate: float = Field(default=0.5, gt=0, le=1)
    open_s: float = Field(default=10.0, gt=0)
    half_open_probes: int = Field(default=1, ge=1)
    # A first token slower than this counts as a failure (the reply is still used).
    slow_ttft_ms: float = Field(default=2000.0, gt=0)


class HedgingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    max_share: float = Field(default=0.1, ge=0, le=1)


class CanaryConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flag: str = "llm_model_routing"
    # Unleash variant name -> route used for calls that get it.
    variants: dict[str, str] = Field(default_factory=dict)


class FrontdeskSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_route: str | None = None
    ttft_budget_ms: float = Field(default=1500.0, gt=0)
    deadline_ms: float = Field(default=10000.0, gt=0)
    hedging: HedgingConfig = Field(default_factory=HedgingConfig)
    breaker: BreakerConfig = Field(default_factory=BreakerConfig)
    canary_routes: CanaryConfig = Field(default_factory=CanaryConfig)
    # Past this, the call's requests are refused (RESOURCE_EXHAUSTED): it goes on with rules.
    cost_cap_usd_per_call: float | None = Field(default=None, gt=0)
    # Exact-match completion cache entries (per call; clinic FAQ answers per clinic); 0: off.
    cache_entries: int = Field(default=0, ge=0)


class LlmConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_list: list[ModelEntry] = Field(min_length=1)
    router_settings: dict[str, Any] = Field(default_factory=dict)
    litellm_settings: dict[str, Any] = Field(default_factory=dict)
    frontdesk: FrontdeskSection = Field(default_factory=FrontdeskSection)

    @model_validator(mode="after")
    def _consistent(self) -> LlmConfig:
        ids = [deployment_id(entry, index) for index, entry in enumerate(self.model_list)]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"model_info.id must be unique; repeated: {', '.join(duplicates)}")
        routes = set(self.routes())
        named = [self.frontdesk.default_route, *self.frontdesk.canary_routes.variants.values()]
        unknown = sorted({r for r in named if r is not None and r not in routes})
        if unknown:
            raise ValueError(
                f"frontdesk names routes not in model_list: {', '.join(unknown)} "
                f"(routes: {', '.join(sorted(routes))})"
            )
        return self

    def routes(self) -> list[str]:
        """Route names in the order they first appear."""
        return list(dict.fromkeys(entry.model_name for entry in self.model_list))

    @property
    def default_route(self) -> str:
        return self.frontdesk.default_route or self.model_list[0].model_name

    def variant_label(self, route: str) -> str:
        """The canary variants whose calls ``route`` serves, for its deployments' health gauge:
        ``disabled`` (Unleash's name for "not in the canary") for the default route, ``explicit``
        for a route only a caller naming it reaches. Bounded by the config, like every label."""
        names = sorted(v for v, r in self.frontdesk.canary_routes.variants.items() if r == route)
        if route == self.default_route:
            names.insert(0, DISABLED)
        return "+".join(names) or EXPLICIT


def deployment_id(entry: ModelEntry, index: int) -> str:
    """``model_info.id`` if set, else ``<route>-<position>``."""
    explicit = entry.model_info.get("id")
    return str(explicit) if explicit else f"{entry.model_name}-{index}"


def _resolve_secrets(data: Any, environ: Mapping[str, str], where: str = "") -> Any:
    """``os.environ/NAME`` values replaced by the variable, as litellm's proxy does."""
    if isinstance(data, dict):
        return {
            k: _resolve_secrets(v, environ, f"{where}.{k}" if where else str(k))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_resolve_secrets(v, environ, f"{where}.{i}") for i, v in enumerate(data)]
    if isinstance(data, str) and data.startswith(_ENV_PREFIX):
        name = data[len(_ENV_PREFIX) :]
        if name not in environ:
            raise LlmConfigError(f"{where}: environment variable {name} is not set")
        return environ[name]
    return data


def parse_config(text: str, source: str, environ: Mapping[str, str] | None = None) -> LlmConfig:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise LlmConfigError(f"{source}: not YAML: {error}") from error
    if not isinstance(data, dict):
        raise LlmConfigError(
            f"{source}: expected a mapping with model_list, got {type(data).__name__}"
        )
    try:
        resolved = _resolve_secrets(data, os.environ if environ is None else environ)
    except LlmConfigError as error:
        raise LlmConfigError(f"{source}: {error}") from error
    try:
        return LlmConfig.model_validate(resolved)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in error.errors()
        )
        raise LlmConfigError(f"{source}: {problems}") from error


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> LlmConfig:
    try:
        text = path.read_text()
    except OSError as error:
        raise LlmConfigError(f"{path}: cannot read: {error.strerror}") from error
    return parse_config(text, str(path), environ)
