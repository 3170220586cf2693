"""The orchestrator servicer over a real nats-server: sessions in KV, turns, replay, events."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS

from clinic import ClinicDirectory
from frontdesk.v1 import common_pb2, events_pb2, orchestrator_pb2
from orchestrator.dialogue import (
    CallerHungUp,
    CallerSaid,
    CallStarted,
    Context,
    DialogueState,
    EndCall,
    Event,
    Outcome,
    Phase,
    Say,
    Step,
)
from orchestrator.server import OrchestratorServicer
from orchestrator.sessions import SessionStore
from servicekit import BusClient, EventPublisher, make_broker
from servicekit.costs import CallCosts
from servicekit.errors import FailedPrecondition, NotFound
from servicekit.jetstream import ensure_streams
from servicekit.testing import NatsServer

pytestmark = pytest.mark.nats
CLINICS = ClinicDirectory.from_folder(Path(__file__).parents[3] / "deploy" / "local" / "clinics")


class EchoPolicy:
    """Greets, echoes what it hears in two chunks, ends the call on "bye"."""

    name = "echo"

    def step(self, state: DialogueState, event: Event, context: Context) -> Step:
        if isinstance(event, CallStarted):
            return Step(
                replace(state, phase=Phase.INTENT), (Say(f"Hello from {context.clinic.name}."),)
            )
        if isinstance(event, CallerSaid):
            heard = replace(state, transcript=(*state.transcript, ("caller", event.text)))
            if event.text == "bye":
                done = replace(heard, outcome=Outcome.CONTAINED.value)
                return Step(done, (Say("Goodbye."), EndCall(Outcome.CONTAINED)))
            return Step(heard, (Say("You said"), Say(event.text)))
        if isinstance(event, CallerHungUp):
            outcome = state.outcome or Outcome.ABANDONED.value
            return Step(replace(state, outcome=outcome), ())
        return Step(state, ())


@pytest.fixture
async def setup(nats_server: NatsServer):  # type: ignore[no-untyped-def]
    nc = NATS()
    await nc.connect(nats_server.url)
    js = nc.jetstream()
    kv = await ensure_streams(js)
    broker = make_broker(nats_server.url)
    await broker.connect()
    store = SessionStore(kv, js)
    servicer = OrchestratorServicer(
        store=store,
        clinics=CLINICS,
        policies={"echo": EchoPolicy()},
        choose_policy=lambda call, clinic: "echo",
        bus=BusClient(broker),
        events=EventPublisher(js),
        version="v7",
        llm_spend=CallCosts(js).get,
    )
    yield servicer, store, js
    await broker.stop()
    await nc.close()


async def _turn(
    servicer: OrchestratorServicer, **fields: object
) -> list[orchestrator_pb2.TurnEvent]:
    return [e async for e in servicer.Turn(orchestrator_pb2.TurnRequest(**fields), None)]


async def _events(js, subject: str) -> list[bytes]:  # type: ignore[no-untyped-def]
    sub = await js.subscribe(subject, ordered_consumer=True)
    found = []
    try:
        while True:
            found.append((await sub.next_msg(timeout=0.5)).data)
    except Exception:
        pass
    await sub.unsubscribe()
    return found


async def test_claim_pins_version_and_resolves_clinic_from_called_number(setup) -> None:  # type: ignore[no-untyped-def]
    servicer, store, js = setup
    reply = await servicer.Claim(
        orchestrator_pb2.ClaimRequest(call_id="c1", to_number="+1 555 010 0100"), None
    )
    assert (reply.version, reply.clinic_id) == ("v7", "demo")
    session, _ = await store.load("c1")
    assert session.version == "v7" and session.policy == "echo"
    started = events_pb2.CallStarted.FromString(
        (await _events(js, "frontdesk.events.call_started"))[0]
    )
    assert (started.call_id, started.orchestrator_version) == ("c1", "v7")


async def test_unknown_clinic_is_not_found(setup) -> None:  # type: ignore[no-untyped-def]
    servicer, _, _ = setup
    with pytest.raises(NotFound, match="no clinic with id 'nope'"):
        await servicer.Claim(orchestrator_pb2.ClaimRequest(call_id="c1", clinic_id="nope"), None)


async def test_turns_stream_and_state_survives_in_kv(setup) -> None:  # type: ignore[no-untyped-def]
    servicer, store, _ = setup
    await servicer.Claim(orchestrator_pb2.ClaimRequest(call_id="c2", clinic_id="demo"), None)
    greeting = await _turn(servicer, call_id="c2", turn_id="t0", start=orchestrator_pb2.Start())
    assert [(e.say.text, e.say.last) for e in greeting] == [
        ("Hello from Maple Street Family Clinic.", True)
    ]
    reply = await _turn(servicer, call_id="c2", turn_id="t1", text="hi there")
    assert [(e.say.text, e.say.last) for e in reply] == [("You said", False), ("hi there", True)]
    session, _ = await store.load("c2")
    assert session.turns == 2 and session.dialogue.transcript == (("caller", "hi there"),)
    # The same turn id again is answered from the session, not run twice.
    again = await _turn(servicer, call_id="c2", turn_id="t1", text="hi there")
    assert again == reply
    assert (await store.load("c2"))[0].turns == 2


async def test_call_end_publishes_completed_and_rejects_more_turns(setup) -> None:  # type: ignore[no-untyped-def]
    servicer, _, js = setup
    await servicer.Claim(orchestrator_pb2.ClaimRequest(call_id="c3", clinic_id="demo"), None)
    await _turn(servicer, call_id="c3", turn_id="t1", text="hello")
    reply = await _turn(servicer, call_id="c3", turn_id="t2", text="bye")
    assert reply[-1].end.outcome == common_pb2.CALL_OUTCOME_CONTAINED
    with pytest.raises(FailedPrecondition, match="has ended"):
        await _turn(servicer, call_id="c3", turn_id="t3", text="more")
    completed = [
        events_pb2.CallCompleted.FromString(raw)
        for raw in await _events(js, "frontdesk.events.call_completed")
    ]
    assert [(c.call_id, c.outcome, c.turns) for c in completed] == [
        ("c3", common_pb2.CALL_OUTCOME_CONTAINED, 2)
    ]
    turns = await _events(js, "frontdesk.events.turn_completed")
    assert len(turns) == 2


async def test_call_completed_carries_the_calls_model_spend(setup) -> None:  # type: ignore[no-untyped-def]
    """What llm_router replicas recorded for the call (servicekit.costs), however many wrote at
    once, is the call's ledger in CallCompleted; a call no model served has an empty one."""
    servicer, _, js = setup
    costs = CallCosts(js)
    for call in ("c-llm", "c-rules"):
        await servicer.Claim(orchestrator_pb2.ClaimRequest(call_id=call, clinic_id="demo"), None)
    completions = [
        common_pb2.LlmSpend(
            cost_usd=0.001 * n, prompt_tokens=100 + n, completion_tokens=n, requests=1
        )
        for n in range(1, 9)
    ]
    await asyncio.gather(*(costs.add("c-llm", spend) for spend in completions))
    for call in ("c-llm", "c-rules"):
        await _turn(servicer, call_id=call, turn_id="t1", text="bye")
    completed = {
        c.call_id: c.llm
        for c in (
            events_pb2.CallCompleted.FromString(raw)
            for raw in await _events(js, "frontdesk.events.call_completed")
        )
    }
    ledger = completed["c-llm"]
    assert ledger.cost_usd == pytest.approx(sum(c.cost_usd for c in completions))
    assert (ledger.prompt_tokens, ledger.completion_tokens, ledger.requests) == (
        sum(c.prompt_tokens for c in completions),
        sum(c.completion_tokens for c in completions),
        8,
    )
    assert completed["c-rules"] == common_pb2.LlmSpend()


async def test_hangup_records_abandoned(setup) -> None:  # type: ignore[no-untyped-def]
    servicer, store, _ = setup
    await servicer.Claim(orchestrator_pb2.ClaimRequest(call_id="c4", clinic_id="demo"), None)
    await _turn(servicer, call_id="c4", turn_id="t1", ended=orchestrator_pb2.Ended(reason="caller"))
    session, _ = await store.load("c4")
    assert session.ended and session.dialogue.outcome == "abandoned"
    view = await servicer.GetSession(orchestrator_pb2.GetSessionRequest(call_id="c4"), None)
    assert view.outcome == common_pb2.CALL_OUTCOME_ABANDONED


async def test_concurrent_change_reruns_the_turn_without_repeating_speech(setup) -> None:  # type: ignore[no-untyped-def]
    servicer, store, _ = setup
    await servicer.Claim(orchestrator_pb2.ClaimRequest(call_id="c5", clinic_id="demo"), None)
    original_save = store.save
    interfered = False

    async def save_after_interference(session, revision):  # type: ignore[no-untyped-def]
        nonlocal interfered
        if not interfered:
            interfered = True
            other, rev = await store.load("c5")
            other.update_time = "2000-01-01T00:00:00+00:00"
            await original_save(other, rev)  # another replica wrote first
        return await original_save(session, revision)

    store.save = save_after_interference  # type: ignore[method-assign]
    reply = await _turn(servicer, call_id="c5", turn_id="t1", text="once")
    assert [e.say.text for e in reply] == ["You said", "once"]
    session, _ = await store.load("c5")
    assert session.turns == 1 and session.last_turn_id == "t1"


async def test_reclaim_moves_the_call_to_the_claiming_version(setup) -> None:  # type: ignore[no-untyped-def]
    servicer, store, _ = setup
    await servicer.Claim(orchestrator_pb2.ClaimRequest(call_id="c6", clinic_id="demo"), None)
    session, revision = await store.load("c6")
    session.version = "old"
    await store.save(session, revision)
    reply = await servicer.Claim(
        orchestrator_pb2.ClaimRequest(call_id="c6", clinic_id="demo"), None
    )
    assert reply.version == "v7"
    assert (await store.load("c6"))[0].version == "v7"
    listed = await servicer.ListCalls(orchestrator_pb2.ListCallsRequest(), None)
    assert [s.call_id for s in listed.sessions] == ["c6"]


async def test_barge_in_does_not_cut_a_turn_in_half(setup) -> None:  # type: ignore[no-untyped-def]
    servicer, store, _ = setup
    await servicer.Claim(orchestrator_pb2.ClaimRequest(call_id="c7", clinic_id="demo"), None)
    stream = servicer.Turn(
        orchestrator_pb2.TurnRequest(call_id="c7", turn_id="t1", text="long"), None
    )
    first = await stream.__anext__()
    assert first.say.text == "You said"
    await stream.aclose()  # the caller stopped listening
    await servicer.drain()
    session, _ = await store.load("c7")
    assert session.last_turn_id == "t1" and session.turns == 1
