"""The test-only fault injector: off by default, delays, and fails the share of turns asked."""

from __future__ import annotations

import random
import time

import pytest

from orchestrator.app import OrchestratorSettings
from orchestrator.faults import TurnFaults
from servicekit.errors import Internal


def test_off_by_default() -> None:
    settings = OrchestratorSettings(insecure=True)
    assert settings.fault_turn_delay_ms == 0 and settings.fault_turn_error_percent == 0
    assert not TurnFaults().on


async def test_error_share_follows_the_ratio() -> None:
    faults = TurnFaults(error_ratio=0.25, rng=random.Random(7))
    failed = 0
    for _ in range(2000):
        try:
            await faults.before_turn()
        except Internal as error:
            assert "injected fault" in str(error)
            failed += 1
    assert 400 <= failed <= 600  # 500 expected; binomial sd ~19


async def test_every_turn_fails_at_one_and_none_at_zero() -> None:
    with pytest.raises(Internal):
        await TurnFaults(error_ratio=1.0).before_turn()
    await TurnFaults(error_ratio=0.0).before_turn()


async def test_delay_waits() -> None:
    started = time.monotonic()
    await TurnFaults(delay=0.05).before_turn()
    assert time.monotonic() - started >= 0.05


@pytest.mark.parametrize("fields", [{"delay": -1.0}, {"error_ratio": 1.5}])
def test_bad_settings_refused(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        TurnFaults(**fields)  # type: ignore[arg-type]
