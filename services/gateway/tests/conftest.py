"""Fixtures: the real demo clinic directory, real contract metrics, a scripted orchestrator, and
a factory of switchboards over them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clinic import ClinicDirectory
from gateway.call import CallPolicy
from gateway.recording import PrometheusRecorder
from gateway.switchboard import Switchboard
from gateway.tests.fakes import ScriptedOrchestrator
from gateway.tests.support import VERSION
from servicekit import Metrics

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def clinics() -> ClinicDirectory:
    return ClinicDirectory.from_folder(REPO / "deploy/local/clinics")


@pytest.fixture
def metrics() -> Metrics:
    return Metrics.create()


@pytest.fixture
def orchestrator() -> ScriptedOrchestrator:
    return ScriptedOrchestrator()


MakeSwitchboard = Callable[..., Switchboard]


@pytest.fixture
def make_switchboard(
    orchestrator: ScriptedOrchestrator, metrics: Metrics, clinics: ClinicDirectory
) -> MakeSwitchboard:
    def make(capacity: int = 10, drain_timeout: float = 5.0, **policy: Any) -> Switchboard:
        return Switchboard(
            orchestrator,
            PrometheusRecorder(metrics, VERSION),
            clinics,
            capacity=capacity,
            policy=CallPolicy(**{"turn_timeout": 10.0, **policy}),
            drain_timeout=drain_timeout,
        )

    return make
