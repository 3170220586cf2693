"""Data minimisation: once a call ends, its ``sessions`` entry holds no PHI — only the outcome
data — while GetSession, ListCalls and a retried final turn still work."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS

from clinic import ClinicDirectory
from frontdesk.v1 import common_pb2, orchestrator_pb2
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
from servicekit.jetstream import ensure_streams, session_key
from servicekit.testing import NatsServer

pytestmark = pytest.mark.nats
CLINICS = ClinicDirectory.from_folder(Path(__file__).parents[3] / "deploy" / "local" / "clinics")
NAME = "Maria Lopez"
BORN = "1984-02-29"
PATIENT = "patient-0042"
CALLER = "+15550007788"


class LearningPolicy:
    """Learns the caller's name, date of birth and patient id, repeats them back, ends on bye."""

    name = "learning"

    def step(self, state: DialogueState, event: Event, context: Context) -> Step:
        if isinstance(event, CallStarted):
            return Step(replace(state, phase=Phase.INTENT), (Say("Hello."),))
        if isinstance(event, CallerSaid):
            heard = replace(
                state,
                phase=Phase.ANYTHING_ELSE,
                caller_name=NAME,
                date_of_birth=BORN,
                verified_patient_id=PATIENT,
                intents_tried=("book",),
                transcript=(*state.transcript, ("caller", event.text)),
                notes=(f"caller said {event.text}",),
            )
            if "bye" in event.text:
                done = replace(heard, outcome=Outcome.CONTAINED.value, phase=Phase.ENDED)
                return Step(done, (Say(f"Goodbye {NAME}."), EndCall(Outcome.CONTAINED)))
            return Step(heard, (Say(f"Thanks {NAME}, born {BORN}."),))
        if isinstance(event, CallerHungUp):
            return Step(replace(state, outcome=state.outcome or Outcome.ABANDONED.value), ())
        return Step(state, ())


@pytest.fixture
async def setup(nats_server: NatsServer):  # type: ignore[no-untyped-def]
    nc = NATS()
    await nc.connect(nats_server.url)
    js = nc.jetstream()
    kv = await ensure_streams(js)
    broker = make_broker(nats_server.url)
    await broker.connect()

    def redact(text: str, known: dict[str, list[str]]) -> str:
        for values in known.values():
            for value in values:
                text = text.replace(value, "[PHI]")
        return text

    servicer = OrchestratorServicer(
        store=SessionStore(kv, js),
        clinics=CLINICS,
        policies={"learning": LearningPolicy()},
        choose_policy=lambda call, clinic: "learning",
        bus=BusClient(broker),
        events=EventPublisher(nc.jetstream()),
        version="v1",
        redact=redact,  # type: ignore[arg-type]
    )
    yield servicer, kv
    await broker.stop()
    await nc.close()


async def _turn(
    servicer: OrchestratorServicer, **fields: object
) -> list[orchestrator_pb2.TurnEvent]:
    return [e async for e in servicer.Turn(orchestrator_pb2.TurnRequest(**fields), None)]


async def _claim_and_talk(servicer: OrchestratorServicer, call_id: str) -> None:
    await servicer.Claim(
        orchestrator_pb2.ClaimRequest(
            call_id=call_id, from_number=CALLER, to_number="+1 555 010 0100"
        ),
        None,
    )
    await _turn(servicer, call_id=call_id, turn_id="t0", start=orchestrator_pb2.Start())
    await _turn(servicer, call_id=call_id, turn_id="t1", text=f"I'm {NAME} born {BORN}")


def _phi_in(raw: bytes) -> list[str]:
    return [value for value in (NAME, BORN, PATIENT, CALLER, "Maria") if value.encode() in raw]


async def test_a_live_call_keeps_what_it_needs(setup) -> None:  # type: ignore[no-untyped-def]
    servicer, kv = setup
    await _claim_and_talk(servicer, "live-1")
    raw = (await kv.get(session_key("live-1"))).value
    # The precondition of the tests below: during the call the session does hold PHI.
    assert set(_phi_in(raw)) >= {NAME, BORN, PATIENT, CALLER}


async def test_no_phi_left_after_the_call_ends_in_dialogue(setup) -> None:  # type: ignore[no-untyped-def]
    servicer, kv = setup
    await _claim_and_talk(servicer, "done-1")
    last = await _turn(servicer, call_id="done-1", turn_id="t2", text="ok bye")
    assert last[-1].HasField("end")

    raw = (await kv.get(session_key("done-1"))).value
    assert _phi_in(raw) == []
    view = await servicer.GetSession(orchestrator_pb2.GetSessionRequest(call_id="done-1"), None)
    assert view.outcome == common_pb2.CALL_OUTCOME_CONTAINED
    assert view.identity_verified and view.turns == 3
    listed = await servicer.ListCalls(orchestrator_pb2.ListCallsRequest(), None)
    assert [s.call_id for s in listed.sessions] == ["done-1"]

    # The gateway retrying the final turn still gets its end event, with the text redacted.
    replay = await _turn(servicer, call_id="done-1", turn_id="t2", text="ok bye")
    assert [e.WhichOneof("event") for e in replay] == [e.WhichOneof("event") for e in last]
    assert replay[0].say.text == "Goodbye [PHI]."


async def test_no_phi_left_after_a_hangup(setup) -> None:  # type: ignore[no-untyped-def]
    servicer, kv = setup
    await _claim_and_talk(servicer, "hung-1")
    await _turn(
        servicer, call_id="hung-1", turn_id="t2", ended=orchestrator_pb2.Ended(reason="caller")
    )
    raw = (await kv.get(session_key("hung-1"))).value
    assert _phi_in(raw) == []
    view = await servicer.GetSession(orchestrator_pb2.GetSessionRequest(call_id="hung-1"), None)
    assert view.outcome == common_pb2.CALL_OUTCOME_ABANDONED


async def test_listing_an_empty_bucket_is_an_empty_list(setup) -> None:  # type: ignore[no-untyped-def]
    servicer, _ = setup
    listed = await servicer.ListCalls(orchestrator_pb2.ListCallsRequest(), None)
    assert list(listed.sessions) == []
