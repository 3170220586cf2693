"""The simulator's file: providers with their ports and faults, and the shared script.

::

    providers:
      alpha: {port: 8101, faults: {ttft_ms: 300, tokens_per_second: 40}}
      beta:  {port: 8102, faults: {error_rate: 0.2, error_status: 429, retry_after_s: 1}}
    script:
      rules:
        - {pattern: "book|appointment", tool_call: {name: find_slots, arguments: {}}}
        - {pattern: ".", role: tool, reply: "I found a time. Shall I book it?"}
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmsim._faults import Faults
from llmsim._provider import Provider
from llmsim._script import Script


class ProviderConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    port: int = Field(default=0, ge=0, le=65535)
    faults: Faults = Field(default_factory=Faults)
    seed: int | None = None


class SimConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    providers: dict[str, ProviderConfig]
    script: Script = Field(default_factory=Script)

    def build(self) -> tuple[list[Provider], dict[str, int]]:
        providers = [
            Provider(name, faults=item.faults, script=self.script, seed=item.seed)
            for name, item in self.providers.items()
        ]
        return providers, {name: item.port for name, item in self.providers.items()}


class SimConfigError(ValueError):
    """The simulator file is missing, not YAML, or not the expected shape."""


def load_config(path: Path) -> SimConfig:
    try:
        data = yaml.safe_load(path.read_text())
        return SimConfig.model_validate(data)
    except OSError as error:
        raise SimConfigError(f"{path}: cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise SimConfigError(f"{path}: not YAML: {error}") from error
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()
        )
        raise SimConfigError(f"{path}: {problems}") from error
