"""The call loop through the switchboard, against the in-memory scripted orchestrator."""

from __future__ import annotations

import asyncio

import pytest

from gateway import model
from gateway.call import CallPolicy
from gateway.tests.conftest import MakeSwitchboard
from gateway.tests.fakes import TRANSFER_TARGET, ScriptedOrchestrator
from gateway.tests.support import DEMO_DESK, Caller, sample, setup
from servicekit import Metrics
from servicekit.errors import InvalidArgument, Unavailable

POLICY = CallPolicy()
GREETING = "Hello, how can I help?"


async def greeted(make_switchboard: MakeSwitchboard, **options: object) -> Caller:
    caller = Caller(make_switchboard(**options))
    caller.send(setup())
    assert await caller.reply() == GREETING
    return caller


async def test_claims_then_greets_on_the_pinned_version(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator
) -> None:
    caller = Caller(make_switchboard())
    caller.send(setup(clinic_id="", custom_parameters={"lang": "en"}))
    first = await caller.next()
    assert first == model.Speak("Hello,", last=False)  # streamed token by token
    assert await caller.next() == model.Speak(" how can I help?", last=True)
    (claim,) = orchestrator.claims
    assert claim == model.ClaimRequest(
        "call-1", "", "+15550109999", "+15550100100", {"lang": "en"}, claim.claim_token
    )
    assert len(claim.claim_token) >= 32  # this connection's secret, for its re-claims only
    assert orchestrator.requests == [
        ("v1", model.TurnRequest("call-1", "call-1-1", model.StartInput()))
    ]


async def test_a_final_prompt_becomes_a_turn_and_partials_are_ignored(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator, metrics: Metrics
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(model.Prompt("I want", last=False), model.Prompt("I want to book", last=True))
    assert await caller.reply() == "[v1] you said: I want to book"
    assert orchestrator.requests[-1] == (
        "v1",
        model.TurnRequest("call-1", "call-1-2", model.TextInput("I want to book")),
    )
    assert len(orchestrator.requests) == 2  # the partial prompt sent nothing
    labels = {"orchestrator_version": "v1"}
    # latency is measured for the prompt's turn, not for the greeting
    assert sample(metrics, "frontdesk_turn_latency_seconds_count", **labels) == 1
    assert sample(metrics, "frontdesk_turns_total", outcome="ok", **labels) == 2


async def test_interrupt_cancels_the_turn_and_reports_what_was_heard(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator, metrics: Metrics
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(model.Prompt("slow", last=True))
    assert await caller.next() == model.Speak("Let me check.", last=False)
    caller.send(model.Interrupt("Let me", duration_ms=300))
    # the cut reply is closed, then the interrupted turn's own reply is forwarded
    assert await caller.next() == model.Speak("", last=True)
    assert await caller.reply() == "Sorry, go ahead."
    assert orchestrator.cancelled == ["call-1-2"]
    assert orchestrator.requests[-1] == (
        "v1",
        model.TurnRequest("call-1", "call-1-3", model.InterruptedInput("call-1-2", "Let me")),
    )
    assert (
        sample(metrics, "frontdesk_turns_total", outcome="interrupted", orchestrator_version="v1")
        == 1
    )


async def test_interrupting_a_finished_reply_names_that_reply(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(model.Interrupt("Hello", duration_ms=200))  # the greeting was still playing
    assert await caller.reply() == "Sorry, go ahead."
    assert orchestrator.inputs()[-1] == model.InterruptedInput("call-1-1", "Hello")
    assert orchestrator.cancelled == []


async def test_a_new_prompt_during_a_turn_is_a_barge_in(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(model.Prompt("slow", last=True))
    assert await caller.next() == model.Speak("Let me check.", last=False)
    caller.send(model.Prompt("never mind", last=True))
    assert await caller.next() == model.Speak("", last=True)
    assert await caller.reply() == "[v1] you said: never mind"
    assert orchestrator.cancelled == ["call-1-2"]
    assert orchestrator.inputs()[1:] == [model.TextInput("slow"), model.TextInput("never mind")]


async def test_dtmf_digits_until_hash_are_one_turn(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(*(model.Digit(d) for d in "0312#"))
    assert await caller.reply() == "Got 0312."
    assert orchestrator.inputs()[1:] == [model.DtmfInput("0312")]


async def test_dtmf_digits_are_sent_after_the_inter_digit_pause(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator, metrics: Metrics
) -> None:
    caller = await greeted(make_switchboard, dtmf_timeout=0.15)
    caller.send(model.Digit("4"))
    await asyncio.sleep(0.05)
    caller.send(model.Digit("2"))
    await asyncio.sleep(0.05)
    assert orchestrator.inputs()[1:] == []  # still inside the pause
    assert await caller.reply() == "Got 42."
    assert orchestrator.inputs()[1:] == [model.DtmfInput("42")]
    assert sample(metrics, "frontdesk_turn_latency_seconds_count", orchestrator_version="v1") == 1


async def test_a_final_prompt_flushes_pending_digits_first(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(model.Digit("7"), model.Digit("7"), model.Prompt("that's it", last=True))
    assert await caller.reply() == "Got 77."
    assert await caller.reply() == "[v1] you said: that's it"
    assert orchestrator.inputs()[1:] == [model.DtmfInput("77"), model.TextInput("that's it")]


async def test_transfer_and_end_are_forwarded_then_the_call_closes(
    make_switchboard: MakeSwitchboard, metrics: Metrics
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(model.Prompt("transfer", last=True))
    assert await caller.rest() == [
        model.Speak("Connecting you.", last=True),
        model.TransferCall(TRANSFER_TARGET, "h-1", {"reason": "caller_request", "urgency": "soon"}),
        model.EndCall({"outcome": "handoff", "handoff_id": "h-1"}),
    ]
    await caller.task
    assert (
        sample(metrics, "frontdesk_calls_total", outcome="handoff", orchestrator_version="v1")
    ) == 1


async def test_goodbye_ends_the_call_as_contained(
    make_switchboard: MakeSwitchboard, metrics: Metrics
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(model.Prompt("bye", last=True))
    assert await caller.rest() == [
        model.Speak("Goodbye!", last=True),
        model.EndCall({"outcome": "contained"}),
    ]
    await caller.task
    labels = {"orchestrator_version": "v1"}
    assert sample(metrics, "frontdesk_calls_total", outcome="contained", **labels) == 1
    assert sample(metrics, "frontdesk_turns_total", outcome="ok", **labels) == 2


async def test_a_reply_without_a_last_chunk_is_closed_by_the_gateway(
    make_switchboard: MakeSwitchboard,
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(model.Prompt("unfinished", last=True))
    assert await caller.next() == model.Speak("Part", last=False)
    assert await caller.next() == model.Speak("", last=True)


async def test_hangup_tells_the_orchestrator_and_counts_the_outcome(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator, metrics: Metrics
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(model.Hangup("caller"))
    assert await caller.rest() == []  # nothing more is said to a caller who is gone
    assert orchestrator.inputs()[-1] == model.EndedInput("caller")
    await caller.task
    labels = {"orchestrator_version": "v1"}
    assert sample(metrics, "frontdesk_calls_total", outcome="abandoned", **labels) == 1


async def test_hangup_during_a_turn_cancels_it(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator, metrics: Metrics
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(model.Prompt("slow", last=True))
    assert await caller.next() == model.Speak("Let me check.", last=False)
    caller.send(model.Hangup(""))
    assert await caller.rest() == []
    assert orchestrator.cancelled == ["call-1-2"]
    assert orchestrator.inputs()[-1] == model.EndedInput("caller")
    # a turn cut by a hangup is not a barge-in
    assert (
        sample(metrics, "frontdesk_turns_total", outcome="interrupted", orchestrator_version="v1")
    ) == 0


async def test_closing_the_stream_is_a_hangup(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator
) -> None:
    caller = await greeted(make_switchboard)
    caller.close()
    assert await caller.rest() == []
    assert orchestrator.inputs()[-1] == model.EndedInput("closed")


async def test_a_broken_input_stream_ends_the_call_without_raising(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(RuntimeError("connection reset, caller said 'my DOB is 1980-03-12'"))
    assert await caller.rest() == []
    await caller.task
    assert caller.error is None
    assert orchestrator.inputs()[-1] == model.EndedInput("stream_error")


async def test_re_claims_when_the_pinned_version_has_no_responders(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator, metrics: Metrics
) -> None:
    caller = await greeted(make_switchboard)
    orchestrator.gone.add("v1")  # v1 rolled back; v2 answers claims now
    orchestrator.version = "v2"
    caller.send(model.Prompt("still there?", last=True))
    assert await caller.reply() == "[v2] you said: still there?"
    assert len(orchestrator.claims) == 2
    # The re-claim proves it comes from the same connection.
    assert orchestrator.claims[1].claim_token == orchestrator.claims[0].claim_token
    # the same turn, retried on the new version
    assert orchestrator.requests[-1] == (
        "v2",
        model.TurnRequest("call-1", "call-1-2", model.TextInput("still there?")),
    )
    caller.send(model.Prompt("bye", last=True))
    await caller.rest()
    await caller.task
    # both prompts' turns were served by v2, the call ended there
    assert sample(metrics, "frontdesk_turn_latency_seconds_count", orchestrator_version="v2") == 2
    assert sample(metrics, "frontdesk_turn_latency_seconds_count", orchestrator_version="v1") == 0
    assert (
        sample(metrics, "frontdesk_calls_total", outcome="contained", orchestrator_version="v2")
    ) == 1


async def test_no_orchestrator_at_claim_apologises_and_transfers(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator, metrics: Metrics
) -> None:
    orchestrator.claim_error = Unavailable("frontdesk.orchestrator.Claim: no service is answering")
    caller = Caller(make_switchboard())
    caller.send(setup())
    assert await caller.rest() == [
        model.Speak(POLICY.sorry_transfer, last=True, interruptible=False),
        model.TransferCall(DEMO_DESK, "", {"reason": "system_error", "urgency": "soon"}),
        model.EndCall({"outcome": "error", "reason": "system_error"}),
    ]
    await caller.task
    assert sample(metrics, "frontdesk_calls_total", outcome="error", orchestrator_version="") == 1


async def test_re_claim_finding_no_orchestrator_hands_the_caller_to_a_person(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator
) -> None:
    caller = await greeted(make_switchboard)
    orchestrator.gone.add("v1")
    orchestrator.claim_error = Unavailable("no service is answering")
    caller.send(model.Prompt("hello?", last=True))
    outputs = await caller.rest()
    assert outputs[-2:] == [
        model.TransferCall(DEMO_DESK, "", {"reason": "system_error", "urgency": "soon"}),
        model.EndCall({"outcome": "error", "reason": "system_error"}),
    ]


async def test_one_failed_turn_apologises_two_in_a_row_transfer(
    make_switchboard: MakeSwitchboard, metrics: Metrics
) -> None:
    caller = await greeted(make_switchboard)
    caller.send(model.Prompt("fail", last=True))
    assert await caller.reply() == POLICY.sorry_retry
    caller.send(model.Prompt("fail", last=True))
    outputs = await caller.rest()
    assert outputs == [
        model.Speak(POLICY.sorry_transfer, last=True, interruptible=False),
        model.TransferCall(DEMO_DESK, "", {"reason": "system_error", "urgency": "soon"}),
        model.EndCall({"outcome": "error", "reason": "system_error"}),
    ]
    await caller.task
    labels = {"orchestrator_version": "v1"}
    assert sample(metrics, "frontdesk_turns_total", outcome="error", **labels) == 2
    assert sample(metrics, "frontdesk_calls_total", outcome="error", **labels) == 1


async def test_a_good_turn_resets_the_failure_count(make_switchboard: MakeSwitchboard) -> None:
    caller = await greeted(make_switchboard)
    for _ in range(2):
        caller.send(model.Prompt("fail", last=True))
        assert await caller.reply() == POLICY.sorry_retry
        caller.send(model.Prompt("ok", last=True))
        assert await caller.reply() == "[v1] you said: ok"


@pytest.mark.parametrize(
    "first", [model.Prompt("hi", last=True), model.Digit("1"), model.Hangup("caller")]
)
async def test_setup_must_come_first(
    make_switchboard: MakeSwitchboard, orchestrator: ScriptedOrchestrator, first: model.CallerInput
) -> None:
    caller = Caller(make_switchboard())
    caller.send(first)
    assert await caller.rest() == []
    assert isinstance(caller.error, InvalidArgument)
    assert "setup" in caller.error.message
    assert orchestrator.claims == []


async def test_setup_needs_a_call_id(make_switchboard: MakeSwitchboard) -> None:
    caller = Caller(make_switchboard())
    caller.send(setup(call_id=""))
    assert await caller.rest() == []
    assert isinstance(caller.error, InvalidArgument)
