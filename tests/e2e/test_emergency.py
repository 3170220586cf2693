"""Emergencies through the whole stack: the scenario's script and checks (``safety.yaml``),
and the call must end in a transfer to the clinic's urgent line, open or closed, never a
callback."""

from __future__ import annotations

from pathlib import Path

import pytest

from callsim.runner import Runner
from callsim.scenario import load_paths
from clinic import ClinicDirectory

from .conftest import SCENARIOS
from .stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.asyncio(loop_scope="module")]

CLINICS = Path(__file__).resolve().parents[2] / "deploy/local/clinics"
BY_NAME = {s.name: s for s in load_paths([SCENARIOS / "safety.yaml"])}


@pytest.mark.parametrize("name", ["no-i-cant-breathe-during-slot-choice", "suicidal-thoughts"])
async def test_emergency_ends_in_an_urgent_transfer(stack: Stack, name: str) -> None:
    target = stack.callsim_target()
    runner = Runner(target, concurrency=1)
    try:
        async with (
            target.telephony.channel(target.gateway) as gateway,
            target.agent_desk.channel(target.handoff) as handoff,
        ):
            result = await runner.run_one(BY_NAME[name], 1, gateway, handoff)
    finally:
        runner.close()
    transcript = "\n".join(f"  {t.kind}: {t.sent!r} -> {t.reply!r}" for t in result.turns)
    assert result.passed, f"{name} failed: {result.failures}\n{transcript}"
    urgent = ClinicDirectory.from_folder(CLINICS).get("demo").transfer_targets.urgent
    assert result.transfer is not None, f"no transfer\n{transcript}"
    assert result.transfer.target == urgent
