"""The servicer, called with protobuf requests and context=None, on a real SQLite store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from google.protobuf.message import Message

from clinic import ClinicDirectory
from frontdesk.v1 import common_pb2, events_pb2, handoff_pb2
from handoff.fanout import WatchHub
from handoff.packet import REQUIRED_FIELDS, State
from handoff.server import HANDOFF_CREATED, HandoffServicer
from handoff.store import HandoffStore
from servicekit.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
)

from .conftest import MONDAY_NIGHT, MONDAY_OPEN

NAME = "Maria Lopez"
PHONE = "+15550102233"


class Recorder:
    """An in-memory EventSink."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Message]] = []

    async def event(self, kind: str, message: Message) -> None:
        self.events.append((kind, message))


class BrokenSink:
    async def event(self, kind: str, message: Message) -> None:
        raise ConnectionError("nats is down")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def redact_caller(text: str, packet: object = None) -> str:
    return text.replace(NAME, "[NAME]").replace(PHONE, "[PHONE]")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HandoffStore]:
    opened = HandoffStore.open(f"sqlite:///{tmp_path / 'h.db'}")
    yield opened
    opened.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_OPEN)


@pytest.fixture
def sink() -> Recorder:
    return Recorder()


def proof_for(call_id: str, patient_id: str) -> str:
    return f"proof:{call_id}:{patient_id}"


class ProofChecks:
    """Stands in for the scheduler's CheckVerification (the real one: tests/e2e
    test_handoff_patient_binding): ``proof_for(call, patient)`` proves that patient on that call;
    "down" is a scheduler that cannot answer; anything else is refused."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str, str]] = []

    async def __call__(self, context: common_pb2.CallContext, patient_id: str) -> bool:
        self.asked.append(
            (context.call_id, context.clinic_id, context.verification_proof, patient_id)
        )
        if context.verification_proof == "down":
            return False
        if context.verification_proof != proof_for(context.call_id, patient_id):
            raise PermissionDenied("the verification proof does not prove that patient")
        return True


@pytest.fixture
def checks() -> ProofChecks:
    return ProofChecks()


@pytest.fixture
def servicer(
    store: HandoffStore,
    clinics: ClinicDirectory,
    sink: Recorder,
    clock: Clock,
    checks: ProofChecks,
) -> HandoffServicer:
    return HandoffServicer(
        store=store,
        clinics=clinics,
        events=sink,
        check_patient=checks,
        redact=redact_caller,
        clock=clock,
        hub=WatchHub(queue_size=4),
    )


def packet(**changes: object) -> handoff_pb2.HandoffPacket:
    values: dict[str, object] = {
        "call_id": "call-1",
        "clinic_id": "demo",
        "caller_name": NAME,
        "callback_number": PHONE,
        "identity_verified": True,
        "patient_id": "p-42",
        "reason": common_pb2.HANDOFF_REASON_CALLER_REQUEST,
        "urgency": common_pb2.URGENCY_SOON,
        "summary": f"{NAME} wants a person; call back on {PHONE}.",
        "intents_tried": ["reschedule"],
        "slots": {"appointment_type": "checkup"},
        "transcript_excerpt": [
            common_pb2.TranscriptLine(speaker="caller", text="A person, please")
        ],
    }
    values.update(changes)
    return handoff_pb2.HandoffPacket(**values)  # type: ignore[arg-type]


def create_request(
    key: str = "", proof: str | None = None, **changes: object
) -> handoff_pb2.CreateHandoffRequest:
    """The packet's own call's proof for its patient unless ``proof`` is given."""
    made = packet(**changes)
    if proof is None:
        proof = proof_for(made.call_id, made.patient_id)
    return handoff_pb2.CreateHandoffRequest(
        packet=made, idempotency_key=key, context=common_pb2.CallContext(verification_proof=proof)
    )


# --- Create -------------------------------------------------------------------------------


async def test_create_routes_scores_and_stores(servicer: HandoffServicer) -> None:
    response = await servicer.Create(create_request(), None)
    made = response.packet
    assert made.handoff_id
    assert made.state == handoff_pb2.HANDOFF_STATE_OPEN
    assert (made.target.kind, made.target.address) == ("sip", "sip:frontdesk@maple-clinic.example")
    assert response.target == made.target
    assert made.completeness == 1.0 and list(made.missing_fields) == []
    assert made.create_time.ToDatetime().replace(tzinfo=MONDAY_OPEN.tzinfo) == MONDAY_OPEN
    # The agent's packet carries the caller's details.
    assert (made.caller_name, made.callback_number, made.patient_id) == (NAME, PHONE, "p-42")
    assert dict(made.slots) == {"appointment_type": "checkup"}
    fetched = await servicer.Get(handoff_pb2.GetHandoffRequest(handoff_id=made.handoff_id), None)
    assert fetched == made


async def test_a_patient_id_needs_the_calls_proof_for_it(
    servicer: HandoffServicer, checks: ProofChecks, sink: Recorder
) -> None:
    # No proof, another call's proof, a claim of another patient: refused, nothing stored.
    for request in (
        create_request(proof=""),
        create_request(call_id="call-2", proof=proof_for("call-1", "p-42")),
        create_request(patient_id="p-43", proof=proof_for("call-1", "p-42")),
    ):
        with pytest.raises(PermissionDenied):
            await servicer.Create(request, None)
    assert servicer.store.list(states={State.OPEN, State.CALLBACK}, limit=10) == []
    assert sink.events == []
    # The check was asked with the call, clinic and proof the handoff resolved.
    assert checks.asked[0] == ("call-1", "demo", "", "p-42")


async def test_identity_verified_is_not_taken_on_the_clients_word(
    servicer: HandoffServicer,
) -> None:
    made = await servicer.Create(create_request(patient_id="", identity_verified=True), None)
    assert not made.packet.identity_verified and not made.packet.patient_id


async def test_a_scheduler_that_cannot_answer_drops_the_link_not_the_handoff(
    servicer: HandoffServicer,
) -> None:
    made = (await servicer.Create(create_request(proof="down"), None)).packet
    assert made.handoff_id and made.caller_name == NAME
    assert (made.patient_id, made.identity_verified) == ("", False)


async def test_without_a_scheduler_no_patient_id_is_kept(
    store: HandoffStore, clinics: ClinicDirectory, sink: Recorder
) -> None:
    plain = HandoffServicer(store=store, clinics=clinics, events=sink)
    made = (await plain.Create(create_request(), None)).packet
    assert (made.patient_id, made.identity_verified) == ("", False)


async def test_create_reports_missing_fields(servicer: HandoffServicer) -> None:
    made = (
        await servicer.Create(
            # Not verified: no patient proven on the call.
            create_request(caller_name="", patient_id="", urgency=0),
            None,
        )
    ).packet
    assert list(made.missing_fields) == ["caller_name", "urgency", "identity_verified"]
    assert made.completeness == pytest.approx((len(REQUIRED_FIELDS) - 3) / len(REQUIRED_FIELDS))


async def test_closed_clinic_makes_a_callback(servicer: HandoffServicer, clock: Clock) -> None:
    clock.now = MONDAY_NIGHT
    made = (await servicer.Create(create_request(), None)).packet
    assert made.state == handoff_pb2.HANDOFF_STATE_CALLBACK
    assert (made.target.kind, made.target.address) == ("callback", "demo-callbacks")
    urgent = (
        await servicer.Create(
            create_request(call_id="call-2", urgency=common_pb2.URGENCY_URGENT), None
        )
    ).packet
    assert urgent.state == handoff_pb2.HANDOFF_STATE_OPEN
    assert urgent.target.address == "sip:triage-nurse@maple-clinic.example"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"call_id": ""}, "call_id"),
        ({"reason": common_pb2.HANDOFF_REASON_UNSPECIFIED}, "reason"),
        ({"reason": 99}, "reason"),
        ({"clinic_id": "atlantis"}, "clinic_id"),
    ],
)
async def test_create_validates(
    servicer: HandoffServicer, sink: Recorder, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidArgument, match=field):
        await servicer.Create(create_request(**changes), None)
    assert sink.events == []
    listed = await servicer.List(handoff_pb2.ListHandoffsRequest(), None)
    assert list(listed.handoffs) == []


async def test_call_and_clinic_can_come_from_the_context(servicer: HandoffServicer) -> None:
    request = create_request(call_id="", clinic_id="", proof=proof_for("call-ctx", "p-42"))
    request.context.call_id = "call-ctx"
    request.context.clinic_id = "demo"
    made = (await servicer.Create(request, None)).packet
    assert (made.call_id, made.clinic_id) == ("call-ctx", "demo")

    request.packet.call_id = "call-other"
    with pytest.raises(InvalidArgument, match="call_id"):
        await servicer.Create(request, None)


async def test_create_publishes_a_redacted_event(servicer: HandoffServicer, sink: Recorder) -> None:
    made = (await servicer.Create(create_request(), None)).packet
    assert len(sink.events) == 1
    kind, event = sink.events[0]
    assert kind == HANDOFF_CREATED
    assert isinstance(event, events_pb2.HandoffCreated)
    assert (event.handoff_id, event.call_id, event.clinic_id) == (made.handoff_id, "call-1", "demo")
    assert event.reason == common_pb2.HANDOFF_REASON_CALLER_REQUEST
    assert event.urgency == common_pb2.URGENCY_SOON
    assert event.complete and event.completeness == 1.0
    assert event.summary == "[NAME] wants a person; call back on [PHONE]."
    assert event.time == made.create_time
    wire = event.SerializeToString()
    for secret in (NAME, PHONE, "p-42", "A person, please"):
        assert secret.encode() not in wire


async def test_async_redactor_is_awaited(
    store: HandoffStore, clinics: ClinicDirectory, sink: Recorder, clock: Clock
) -> None:
    async def redact(text: str, packet: object = None) -> str:
        await asyncio.sleep(0)
        return redact_caller(text)

    servicer = HandoffServicer(
        store=store, clinics=clinics, events=sink, redact=redact, clock=clock
    )
    await servicer.Create(create_request(), None)
    event = sink.events[0][1]
    assert isinstance(event, events_pb2.HandoffCreated)
    assert NAME not in event.summary


async def test_idempotent_create_returns_first_and_publishes_once(
    servicer: HandoffServicer, sink: Recorder
) -> None:
    first = await servicer.Create(create_request(key="call-1/h"), None)
    again = await servicer.Create(create_request(key="call-1/h", summary="retry"), None)
    assert again.packet == first.packet
    assert len(sink.events) == 1


async def test_event_failure_does_not_fail_the_handoff(
    store: HandoffStore, clinics: ClinicDirectory, clock: Clock
) -> None:
    servicer = HandoffServicer(store=store, clinics=clinics, events=BrokenSink(), clock=clock)
    made = (await servicer.Create(create_request(), None)).packet
    assert store.get(made.handoff_id).call_id == "call-1"


# --- Get / List ---------------------------------------------------------------------------


async def test_get_unknown(servicer: HandoffServicer) -> None:
    with pytest.raises(NotFound):
        await servicer.Get(handoff_pb2.GetHandoffRequest(handoff_id="nope"), None)
    with pytest.raises(InvalidArgument, match="handoff_id"):
        await servicer.Get(handoff_pb2.GetHandoffRequest(), None)


async def test_list_defaults_order_and_page_size(servicer: HandoffServicer, clock: Clock) -> None:
    routine = (
        await servicer.Create(
            create_request(call_id="c-routine", urgency=common_pb2.URGENCY_ROUTINE), None
        )
    ).packet
    clock.now += timedelta(minutes=1)
    urgent = (
        await servicer.Create(
            create_request(call_id="c-urgent", urgency=common_pb2.URGENCY_URGENT), None
        )
    ).packet
    clock.now = MONDAY_NIGHT
    callback = (await servicer.Create(create_request(call_id="c-callback"), None)).packet
    claimed = (await servicer.Create(create_request(call_id="c-claimed"), None)).packet
    await servicer.Claim(
        handoff_pb2.ClaimHandoffRequest(handoff_id=claimed.handoff_id, agent_id="agent-a"), None
    )

    listed = await servicer.List(handoff_pb2.ListHandoffsRequest(clinic_id="demo"), None)
    assert [h.call_id for h in listed.handoffs] == ["c-urgent", "c-callback", "c-routine"]
    assert {urgent.handoff_id, routine.handoff_id, callback.handoff_id} == {
        h.handoff_id for h in listed.handoffs
    }

    only_claimed = await servicer.List(
        handoff_pb2.ListHandoffsRequest(states=[handoff_pb2.HANDOFF_STATE_CLAIMED]), None
    )
    assert [h.call_id for h in only_claimed.handoffs] == ["c-claimed"]
    one = await servicer.List(handoff_pb2.ListHandoffsRequest(page_size=1), None)
    assert [h.call_id for h in one.handoffs] == ["c-urgent"]
    none = await servicer.List(handoff_pb2.ListHandoffsRequest(clinic_id="elsewhere"), None)
    assert list(none.handoffs) == []


async def test_list_page_size_is_capped(
    servicer: HandoffServicer, store: HandoffStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    real = store.list

    def spy(**kwargs: object) -> object:
        seen.append(kwargs["limit"])  # type: ignore[arg-type]
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "list", spy)
    await servicer.List(handoff_pb2.ListHandoffsRequest(), None)
    await servicer.List(handoff_pb2.ListHandoffsRequest(page_size=10_000), None)
    assert seen == [50, 500]


@pytest.mark.parametrize(
    "request_",
    [
        handoff_pb2.ListHandoffsRequest(page_size=-1),
        handoff_pb2.ListHandoffsRequest(states=[handoff_pb2.HANDOFF_STATE_UNSPECIFIED]),
    ],
)
async def test_list_rejects_bad_requests(
    servicer: HandoffServicer, request_: handoff_pb2.ListHandoffsRequest
) -> None:
    with pytest.raises(InvalidArgument):
        await servicer.List(request_, None)


# --- Claim / Resolve ----------------------------------------------------------------------


async def test_claim_and_resolve(servicer: HandoffServicer, clock: Clock) -> None:
    made = (await servicer.Create(create_request(), None)).packet
    clock.now += timedelta(minutes=2)
    claim = handoff_pb2.ClaimHandoffRequest(handoff_id=made.handoff_id, agent_id="agent-a")
    claimed = await servicer.Claim(claim, None)
    assert (claimed.state, claimed.agent_id) == (handoff_pb2.HANDOFF_STATE_CLAIMED, "agent-a")
    assert claimed.claim_time.ToSeconds() == int(clock.now.timestamp())

    with pytest.raises(FailedPrecondition, match="already claimed by agent-a"):
        await servicer.Claim(
            handoff_pb2.ClaimHandoffRequest(handoff_id=made.handoff_id, agent_id="agent-b"), None
        )
    with pytest.raises(PermissionDenied):
        await servicer.Resolve(
            handoff_pb2.ResolveHandoffRequest(
                handoff_id=made.handoff_id, agent_id="agent-b", resolution="x"
            ),
            None,
        )

    clock.now += timedelta(minutes=5)
    done = await servicer.Resolve(
        handoff_pb2.ResolveHandoffRequest(
            handoff_id=made.handoff_id, agent_id="agent-a", resolution="moved to Tuesday"
        ),
        None,
    )
    assert (done.state, done.resolution) == (handoff_pb2.HANDOFF_STATE_RESOLVED, "moved to Tuesday")
    assert done.resolve_time.ToSeconds() == int(clock.now.timestamp())
    again = await servicer.Get(handoff_pb2.GetHandoffRequest(handoff_id=made.handoff_id), None)
    assert again == done


@pytest.mark.parametrize("missing", ["handoff_id", "agent_id"])
async def test_claim_requires_ids(servicer: HandoffServicer, missing: str) -> None:
    request = handoff_pb2.ClaimHandoffRequest(handoff_id="h", agent_id="a")
    request.ClearField(missing)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match=missing):
        await servicer.Claim(request, None)


# --- Watch --------------------------------------------------------------------------------


async def next_item(stream: AsyncIterator[handoff_pb2.HandoffPacket]) -> handoff_pb2.HandoffPacket:
    return await asyncio.wait_for(anext(stream), timeout=2)


async def test_watch_receives_handoffs_created_after_subscribing(
    servicer: HandoffServicer,
) -> None:
    await servicer.Create(create_request(call_id="before"), None)
    stream = servicer.Watch(handoff_pb2.WatchHandoffsRequest(clinic_id="demo"), None)
    pending = asyncio.ensure_future(next_item(stream))
    while servicer.hub.watcher_count == 0:  # let the stream subscribe
        await asyncio.sleep(0)
    made = (await servicer.Create(create_request(call_id="after"), None)).packet
    seen = await pending
    assert seen == made
    assert seen.caller_name == NAME  # agents get the full packet
    await stream.aclose()
    assert servicer.hub.watcher_count == 0


async def test_watch_filters_by_clinic(servicer: HandoffServicer, clinics: ClinicDirectory) -> None:
    other = servicer.Watch(handoff_pb2.WatchHandoffsRequest(clinic_id="elsewhere"), None)
    every = servicer.Watch(handoff_pb2.WatchHandoffsRequest(), None)
    other_next = asyncio.ensure_future(next_item(other))
    every_next = asyncio.ensure_future(next_item(every))
    while servicer.hub.watcher_count < 2:
        await asyncio.sleep(0)
    made = (await servicer.Create(create_request(), None)).packet
    assert (await every_next).handoff_id == made.handoff_id
    await asyncio.sleep(0.05)
    assert not other_next.done()
    other_next.cancel()
    await every.aclose()
    with pytest.raises(asyncio.CancelledError):
        await other_next
    await other.aclose()
    assert servicer.hub.watcher_count == 0


async def test_watch_ends_when_the_client_task_is_cancelled(servicer: HandoffServicer) -> None:
    async def consume() -> None:
        async for _ in servicer.Watch(handoff_pb2.WatchHandoffsRequest(), None):
            pass

    task = asyncio.ensure_future(consume())
    while servicer.hub.watcher_count == 0:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert servicer.hub.watcher_count == 0


async def test_closing_the_hub_ends_watch_streams(servicer: HandoffServicer) -> None:
    async def consume() -> int:
        return len([p async for p in servicer.Watch(handoff_pb2.WatchHandoffsRequest(), None)])

    task = asyncio.ensure_future(consume())
    while servicer.hub.watcher_count == 0:
        await asyncio.sleep(0)
    servicer.hub.close()
    assert await asyncio.wait_for(task, timeout=2) == 0
    assert servicer.hub.watcher_count == 0


async def test_slow_watcher_does_not_block_create(servicer: HandoffServicer) -> None:
    stream = servicer.Watch(handoff_pb2.WatchHandoffsRequest(), None)
    first = asyncio.ensure_future(next_item(stream))
    while servicer.hub.watcher_count == 0:
        await asyncio.sleep(0)
    made = []
    # The hub's queues hold 4; the watcher reads none of these while they are created.
    for n in range(7):
        response = await asyncio.wait_for(
            servicer.Create(create_request(call_id=f"c-{n}"), None), timeout=5
        )
        made.append(response.packet.call_id)
    received = [(await first).call_id]
    with pytest.raises(ResourceExhausted, match="list open handoffs"):
        while True:
            received.append((await next_item(stream)).call_id)
    # What it did get is in order and is a prefix of what was made.
    assert received == made[: len(received)]
    assert 1 <= len(received) < len(made)
    assert servicer.hub.watcher_count == 0


def test_an_out_of_range_transcript_time_is_invalid_argument() -> None:
    """Found by the fuzz suite: a time outside years 1-9999 was INTERNAL."""
    from handoff import convert
    from servicekit.errors import InvalidArgument as Invalid

    packet = handoff_pb2.HandoffPacket(
        call_id="c",
        reason=common_pb2.HANDOFF_REASON_CALLER_REQUEST,
        transcript_excerpt=[common_pb2.TranscriptLine(speaker="caller", text="hi")],
    )
    packet.transcript_excerpt[0].at.seconds = -62135596801  # the year 0
    with pytest.raises(Invalid, match=r"transcript_excerpt\.at is out of range"):
        convert.packet_from_proto(packet)
