"""Every scripted caller in tests/e2e/scenarios against the whole stack, with the scheduler on
SQLite and again on PostgreSQL; each call's end state is checked in the scheduler's database
and the handoff queue."""

from __future__ import annotations

import pytest

from callsim.runner import Runner
from callsim.scenario import Scenario, load_paths

from .conftest import SCENARIOS
from .stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.asyncio(loop_scope="module")]

ALL = load_paths([SCENARIOS])


@pytest.mark.parametrize("scenario", ALL, ids=[s.name for s in ALL])
async def test_scenario(stack: Stack, scenario: Scenario) -> None:
    target = stack.callsim_target()
    runner = Runner(target, concurrency=1)
    try:
        async with (
            target.telephony.channel(target.gateway) as gateway,
            target.agent_desk.channel(target.handoff) as handoff,
        ):
            result = await runner.run_one(scenario, 1, gateway, handoff)
    finally:
        runner.close()
    transcript = "\n".join(f"  {t.kind}: {t.sent!r} -> {t.reply!r}" for t in result.turns)
    assert result.passed, f"{scenario.name} failed: {result.failures}\n{transcript}"
