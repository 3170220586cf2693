"""Admission at the switchboard: refusals are busy + transfer + end; draining on shutdown."""

from __future__ import annotations

import asyncio

from clinic import ClinicDirectory
from gateway import model
from gateway.call import CallPolicy
from gateway.recording import PrometheusRecorder
from gateway.switchboard import BUSY_MESSAGE, Switchboard
from gateway.tests.conftest import MakeSwitchboard
from gateway.tests.fakes import ScriptedOrchestrator
from gateway.tests.support import DEMO_DESK, VERSION, Caller, sample, setup
from servicekit import Metrics

GREETING = "Hello, how can I help?"
REFUSAL = [
    model.Speak(BUSY_MESSAGE, last=True, interruptible=False),
    model.TransferCall(DEMO_DESK, "", {"reason": "capacity", "urgency": "routine"}),
]


async def test_over_capacity_the_caller_hears_busy_and_is_transferred(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator, metrics: Metrics
) -> None:
    switchboard = make_switchboard(capacity=1)
    first = Caller(switchboard)
    first.send(setup("call-1"))
    assert await first.reply() == GREETING
    second = Caller(switchboard)
    second.send(setup("call-2"))
    assert await second.rest() == [
        *REFUSAL,
        model.EndCall({"outcome": "refused", "reason": "capacity"}),
    ]
    assert [c.call_id for c in orchestrator.claims] == ["call-1"]  # never claimed
    assert sample(metrics, "frontdesk_calls_total", outcome="refused", orchestrator_version="") == 1
    # once the first call ends its place is free again
    first.send(model.Hangup("caller"))
    await first.rest()
    third = Caller(switchboard)
    third.send(setup("call-3"))
    assert await third.reply() == GREETING


async def test_a_refused_call_for_an_unknown_clinic_uses_the_fallback_target(
    orchestrator: ScriptedOrchestrator, metrics: Metrics, clinics: ClinicDirectory
) -> None:
    switchboard = Switchboard(
        orchestrator,
        PrometheusRecorder(metrics, VERSION),
        clinics,
        capacity=0,
        policy=CallPolicy(),
        drain_timeout=1,
        fallback_transfer_target="sip:operator@example.org",
    )
    caller = Caller(switchboard)
    caller.send(setup(clinic_id="nowhere"))
    outputs = await caller.rest()
    assert outputs[1] == model.TransferCall(
        "sip:operator@example.org", "", {"reason": "capacity", "urgency": "routine"}
    )


async def test_drain_lets_a_live_call_finish_and_refuses_new_ones(
    make_switchboard: MakeSwitchboard, metrics: Metrics
) -> None:
    switchboard = make_switchboard(drain_timeout=5)
    live = Caller(switchboard)
    live.send(setup("call-1"))
    assert await live.reply() == GREETING
    drain = asyncio.create_task(switchboard.drain())
    await asyncio.sleep(0.05)
    late = Caller(switchboard)
    late.send(setup("call-2"))
    assert await late.rest() == [
        *REFUSAL,
        model.EndCall({"outcome": "refused", "reason": "draining"}),
    ]
    assert not drain.done()  # the live call goes on
    live.send(model.Prompt("what time is it", last=True))
    assert await live.reply() == "[v1] you said: what time is it"
    live.send(model.Prompt("bye", last=True))
    assert (await live.rest())[-1] == model.EndCall({"outcome": "contained"})
    await asyncio.wait_for(drain, 2)
    assert (
        sample(metrics, "frontdesk_calls_total", outcome="contained", orchestrator_version="v1")
    ) == 1


async def test_after_the_drain_timeout_live_calls_are_asked_to_call_back(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator, metrics: Metrics
) -> None:
    switchboard = make_switchboard(drain_timeout=0.2)
    live = Caller(switchboard)
    live.send(setup("call-1"))
    assert await live.reply() == GREETING
    live.send(model.Prompt("slow", last=True))  # a turn is in flight at the timeout
    assert await live.next() == model.Speak("Let me check.", last=False)
    await asyncio.wait_for(switchboard.drain(), 3)
    outputs = await live.rest()
    assert outputs == [
        model.Speak("", last=True),
        model.Speak(CallPolicy().call_back, last=True, interruptible=False),
        model.EndCall({"outcome": "error", "reason": "shutdown"}),
    ]
    assert orchestrator.cancelled == ["call-1-2"]
    assert orchestrator.inputs()[-1] == model.EndedInput("gateway_shutdown")
    assert switchboard.admission.live == 0
    assert sample(metrics, "frontdesk_calls_total", outcome="error", orchestrator_version="v1") == 1
