"""Feature flags as code: ``gitops/flags/<env>.yaml`` read, validated and rendered.

One file per environment is the single source. From it come the Unleash admin API calls
(``controlplane.flag_sync``) and the offline bootstrap file services read when Unleash cannot be
reached (``gitops/flags/bootstrap/<env>.json``, the client API's format). Pure: no I/O beyond
reading and writing the files it is given.

    spec = load_spec(Path("gitops/flags/production.yaml"))
    spec.flags["llm_model_routing"].strategies[0].rollout        # 5
    bootstrap_json(spec)                                          # what the SDK bootstraps from
    check_bootstrap(Path("gitops/flags"))                         # [] when every file is current

A file::

    unleash: {project: default, environment: production}
    flags:
      llm_model_routing:
        description: Model canary ...
        type: release         # release | experiment | operational | kill-switch | permission
        owner: llm-platform
        expires: 2027-03-31
        enabled: true
        strategies:
          - name: flexibleRollout     # or default
            rollout: 5                # percent of calls, sticky on the call id
            stickiness: sessionId
            constraints: [{contextName: clinic, operator: IN, values: [demo]}]
            variants: [{name: candidate}]
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FLAG_TYPES = ("release", "experiment", "operational", "kill-switch", "permission")
# Unleash splits 1000 between variable-weight variants.
VARIANT_WEIGHT_TOTAL = 1000


class FlagSpecError(ValueError):
    """A flags file that cannot be used: the message names the file and what is wrong."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Constraint(_Model):
    contextName: str  # Unleash's own field names: the file reads like its API
    operator: Literal["IN", "NOT_IN", "STR_STARTS_WITH", "STR_ENDS_WITH", "STR_CONTAINS"]
    values: tuple[str, ...] = Field(min_length=1)
    inverted: bool = False
    caseInsensitive: bool = False

    def unleash(self) -> dict[str, Any]:
        return {
            "contextName": self.contextName,
            "operator": self.operator,
            "values": list(self.values),
            "inverted": self.inverted,
            "caseInsensitive": self.caseInsensitive,
        }


class Payload(_Model):
    type: Literal["string", "json", "csv", "number"] = "string"
    value: str


class Variant(_Model):
    name: str = Field(min_length=1)
    payload: Payload | None = None
    stickiness: str = "sessionId"


class Strategy(_Model):
    name: Literal["flexibleRollout", "default"]
    rollout: int = Field(default=100, ge=0, le=100)
    stickiness: str = "sessionId"
    groupId: str = ""  # empty: the flag's name
    constraints: tuple[Constraint, ...] = ()
    variants: tuple[Variant, ...] = ()

    def parameters(self, flag: str) -> dict[str, str]:
        if self.name == "default":
            return {}
        return {
            "rollout": str(self.rollout),
            "stickiness": self.stickiness,
            "groupId": self.groupId or flag,
        }

    def unleash(self, flag: str) -> dict[str, Any]:
        """The strategy as Unleash stores it (admin API body and client API entry alike)."""
        return {
            "name": self.name,
            "parameters": self.parameters(flag),
            "constraints": [c.unleash() for c in self.constraints],
            "variants": unleash_variants(self.variants),
        }


def unleash_variants(variants: tuple[Variant, ...]) -> list[dict[str, Any]]:
    """Variants with the weights Unleash gives variable-weight variants: 1000 split evenly, the
    remainder to the first ones."""
    if not variants:
        return []
    share, remainder = divmod(VARIANT_WEIGHT_TOTAL, len(variants))
    out = []
    for index, variant in enumerate(variants):
        entry: dict[str, Any] = {
            "name": variant.name,
            "weight": share + (1 if index < remainder else 0),
            "weightType": "variable",
            "stickiness": variant.stickiness,
        }
        if variant.payload is not None:
            entry["payload"] = variant.payload.model_dump()
        out.append(entry)
    return out


class Flag(_Model):
    description: str = Field(min_length=1)
    type: Literal["release", "experiment", "operational", "kill-switch", "permission"]
    owner: str = Field(min_length=1)
    expires: date | None = None  # None: a permanent flag (kill switches, operational)
    enabled: bool
    strategies: tuple[Strategy, ...] = Field(min_length=1)

    @property
    def is_kill_switch(self) -> bool:
        return self.type == "kill-switch"


class UnleashTarget(_Model):
    project: str = "default"
    environment: str


class FlagFile(_Model):
    unleash: UnleashTarget
    flags: dict[str, Flag]

    @field_validator("flags")
    @classmethod
    def _names(cls, flags: dict[str, Flag]) -> dict[str, Flag]:
        for name in flags:
            if not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
                raise ValueError(f"flag name {name!r}: letters, digits, '_', '-', '.' only")
        return flags


class FlagSpec(BaseModel):
    """One environment's flags, with the file it came from."""

    model_config = ConfigDict(frozen=True)

    env: str
    path: Path
    file: FlagFile

    @property
    def flags(self) -> dict[str, Flag]:
        return self.file.flags

    @property
    def project(self) -> str:
        return self.file.unleash.project

    @property
    def environment(self) -> str:
        return self.file.unleash.environment


def load_spec(path: Path) -> FlagSpec:
    """Reads and validates one ``<env>.yaml``; raises FlagSpecError naming what is wrong."""
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise FlagSpecError(f"{path}: {error}") from error
    try:
        return FlagSpec(env=path.stem, path=path, file=FlagFile.model_validate(raw))
    except ValidationError as error:
        raise FlagSpecError(f"{path}: {error}") from error


def spec_files(folder: Path) -> list[Path]:
    """Every environment's flags file in ``folder``."""
    return sorted(folder.glob("*.yaml"))


def spec_for(folder: Path, env: str) -> FlagSpec:
    path = folder / f"{env}.yaml"
    if not path.is_file():
        known = ", ".join(p.stem for p in spec_files(folder)) or "none"
        raise FlagSpecError(f"no flags file for environment {env!r} in {folder} (known: {known})")
    return load_spec(path)


def client_features(spec: FlagSpec) -> dict[str, Any]:
    """The flags in the client API's format (``GET /api/client/features``)."""
    features = []
    for name, flag in sorted(spec.flags.items()):
        features.append(
            {
                "name": name,
                "description": flag.description,
                "type": flag.type,
                "project": spec.project,
                "enabled": flag.enabled,
                "stale": False,
                "impressionData": False,
                "strategies": [s.unleash(name) for s in flag.strategies],
                "variants": [],
            }
        )
    return {"version": 2, "features": features}


def bootstrap_json(spec: FlagSpec) -> str:
    return json.dumps(client_features(spec), indent=2, sort_keys=True) + "\n"


def bootstrap_path(folder: Path, env: str) -> Path:
    return folder / "bootstrap" / f"{env}.json"


def write_bootstrap(folder: Path) -> list[Path]:
    """Regenerates every bootstrap file from its YAML; returns the files that changed."""
    changed = []
    for path in spec_files(folder):
        spec = load_spec(path)
        target = bootstrap_path(folder, spec.env)
        text = bootstrap_json(spec)
        if not target.is_file() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            changed.append(target)
    return changed


def check_bootstrap(folder: Path) -> list[str]:
    """What is stale: a bootstrap file that differs from its YAML, or one without a YAML."""
    problems = []
    envs = set()
    for path in spec_files(folder):
        spec = load_spec(path)
        envs.add(spec.env)
        target = bootstrap_path(folder, spec.env)
        if not target.is_file() or target.read_text() != bootstrap_json(spec):
            problems.append(
                f"{target} is not generated from {path}: run `frontdesk flags generate`"
            )
    for target in sorted((folder / "bootstrap").glob("*.json")):
        if target.stem not in envs:
            problems.append(f"{target} has no {target.stem}.yaml beside it: delete it")
    return problems
