"""The servicer end to end on SQLite: protobuf in, protobuf or servicekit errors out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from frontdesk.v1 import common_pb2, events_pb2, scheduler_pb2
from scheduler_adapter.server import SchedulerServicer, build_servicer
from scheduler_adapter.sinks import RecordingAuditSink, RecordingEventSink
from scheduler_adapter.tests.conftest import DEMO, NOW, MovableClock
from servicekit.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

MARIA = "pat-demo-01"


@pytest.fixture
def audit() -> RecordingAuditSink:
    return RecordingAuditSink()


@pytest.fixture
def events() -> RecordingEventSink:
    return RecordingEventSink()


@pytest.fixture
def servicer(
    clock: MovableClock, audit: RecordingAuditSink, events: RecordingEventSink
) -> Iterator[SchedulerServicer]:
    servicer = build_servicer(
        database_url="sqlite+pysqlite:///:memory:",
        clinics=[DEMO],
        audit=audit,
        events=events,
        clock=clock,
        seed_demo_data=True,
    )
    yield servicer
    servicer.close()


def ctx(call_id: str = "call-1", verified: str = "", proof: str = "") -> common_pb2.CallContext:
    return common_pb2.CallContext(
        call_id=call_id,
        clinic_id="demo",
        verified_patient_id=verified,
        actor="orchestrator",
        verification_proof=proof,
    )


async def verified_ctx(
    servicer: SchedulerServicer,
    name: str = "Maria Lopez",
    born: str = "1980-03-03",
    call_id: str = "call-1",
) -> common_pb2.CallContext:
    """The context of a call that has verified ``name``: it carries the scheduler's proof."""
    response = await servicer.VerifyIdentity(
        scheduler_pb2.VerifyIdentityRequest(
            context=ctx(call_id), full_name=name, date_of_birth=born
        ),
        None,
    )
    assert response.verified and response.proof
    return ctx(call_id, verified=response.patient_id, proof=response.proof)


async def find(servicer: SchedulerServicer, **fields: object) -> list[common_pb2.Slot]:
    request = scheduler_pb2.FindSlotsRequest(context=ctx(), **fields)  # type: ignore[arg-type]
    return list((await servicer.FindSlots(request, None)).slots)


async def test_a_whole_call_verify_find_hold_book_list_reschedule_cancel(
    servicer: SchedulerServicer, audit: RecordingAuditSink, events: RecordingEventSink
) -> None:
    verified = await servicer.VerifyIdentity(
        scheduler_pb2.VerifyIdentityRequest(
            context=ctx(), full_name="maria elena lopez", date_of_birth="1980-03-03"
        ),
        None,
    )
    assert verified.verified and verified.patient_id == MARIA
    assert list(verified.known.names) == ["Maria Lopez", "maria elena lopez"]
    assert verified.known.date_of_birth == "1980-03-03"
    assert list(verified.known.phones) == ["+15550100201"]
    assert list(verified.known.mrns) == ["MRN-100001"]
    assert len(verified.proof) >= 40 and verified.proof_expire_time.seconds > 0
    me = ctx(verified=MARIA, proof=verified.proof)

    slots = await find(
        servicer, appointment_type="checkup", part_of_day=scheduler_pb2.PART_OF_DAY_AFTERNOON
    )
    assert len(slots) == 3
    for slot in slots:
        local = slot.start_time.ToDatetime().replace(tzinfo=NOW.tzinfo).astimezone(DEMO.zone)
        assert 12 <= local.hour < 17
        assert slot.appointment_type == "checkup" and slot.time_zone == "America/New_York"
        assert slot.provider_name in {"Dr. Priya Patel", "Dr. James Okafor"}

    hold = await servicer.HoldSlot(
        scheduler_pb2.HoldSlotRequest(context=me, slot_id=slots[0].slot_id), None
    )
    assert hold.slot == slots[0]
    assert hold.expire_time.ToSeconds() == int((NOW + timedelta(seconds=120)).timestamp())

    booked = await servicer.Book(
        scheduler_pb2.BookRequest(
            context=me,
            patient_id=MARIA,
            slot_id=slots[0].slot_id,
            hold_id=hold.hold_id,
            idempotency_key="b-1",
        ),
        None,
    )
    assert booked.status == common_pb2.APPOINTMENT_STATUS_BOOKED
    assert booked.slot == slots[0] and booked.patient_id == MARIA

    listed = await servicer.ListAppointments(
        scheduler_pb2.ListAppointmentsRequest(context=me, patient_id=MARIA), None
    )
    assert booked.appointment_id in [a.appointment_id for a in listed.appointments]

    moved = await servicer.Reschedule(
        scheduler_pb2.RescheduleRequest(
            context=me,
            patient_id=MARIA,
            appointment_id=booked.appointment_id,
            new_slot_id=slots[1].slot_id,
            idempotency_key="r-1",
        ),
        None,
    )
    assert moved.cancelled.appointment_id == booked.appointment_id
    assert moved.cancelled.status == common_pb2.APPOINTMENT_STATUS_CANCELLED
    assert moved.booked.slot == slots[1]

    cancelled = await servicer.Cancel(
        scheduler_pb2.CancelRequest(
            context=me, patient_id=MARIA, appointment_id=moved.booked.appointment_id
        ),
        None,
    )
    again = await servicer.Cancel(
        scheduler_pb2.CancelRequest(
            context=me, patient_id=MARIA, appointment_id=moved.booked.appointment_id
        ),
        None,
    )
    assert cancelled.status == again.status == common_pb2.APPOINTMENT_STATUS_CANCELLED
    assert again.appointment_id == cancelled.appointment_id

    assert [(r.action, r.result) for r in audit.records] == [
        ("verify_identity", "ok"),
        ("book", "ok"),
        ("list_appointments", "ok"),
        ("reschedule", "ok"),
        ("cancel", "ok"),
        ("cancel", "ok"),
    ]
    for record in audit.records:
        assert record.actor == "orchestrator" and record.call_id == "call-1"
        assert record.clinic_id == "demo" and record.patient_id == MARIA
        assert record.time.ToDatetime().replace(tzinfo=NOW.tzinfo) == NOW
    assert audit.records[1].resource_id == booked.appointment_id

    # The second cancel changed nothing: no event for it.
    assert [kind for kind, _ in events.events] == ["appointment_changed"] * 3
    changes = [e for _, e in events.events]
    assert all(isinstance(e, events_pb2.AppointmentChanged) for e in changes)
    assert [(e.change, e.appointment_id, e.slot_id) for e in changes] == [  # type: ignore[attr-defined]
        (events_pb2.APPOINTMENT_CHANGE_BOOKED, booked.appointment_id, slots[0].slot_id),
        (events_pb2.APPOINTMENT_CHANGE_RESCHEDULED, moved.booked.appointment_id, slots[1].slot_id),
        (events_pb2.APPOINTMENT_CHANGE_CANCELLED, moved.booked.appointment_id, slots[1].slot_id),
    ]


async def test_repeating_a_book_with_its_key_returns_it_without_a_new_event(
    servicer: SchedulerServicer, events: RecordingEventSink
) -> None:
    slot = (await find(servicer))[0]
    request = scheduler_pb2.BookRequest(
        context=await verified_ctx(servicer),
        patient_id=MARIA,
        slot_id=slot.slot_id,
        idempotency_key="k",
    )
    first = await servicer.Book(request, None)
    second = await servicer.Book(request, None)
    assert first == second
    assert len(events.events) == 1
    request.slot_id = (await find(servicer))[0].slot_id
    with pytest.raises(InvalidArgument, match="idempotency_key"):
        await servicer.Book(request, None)


@pytest.mark.parametrize("verified", ["", "pat-demo-02"])
async def test_patient_data_needs_the_calls_verified_patient(
    servicer: SchedulerServicer, audit: RecordingAuditSink, verified: str
) -> None:
    slot = (await find(servicer))[0]
    other = ctx(verified=verified)
    with pytest.raises(PermissionDenied):
        await servicer.Book(
            scheduler_pb2.BookRequest(context=other, patient_id=MARIA, slot_id=slot.slot_id), None
        )
    with pytest.raises(PermissionDenied):
        await servicer.ListAppointments(
            scheduler_pb2.ListAppointmentsRequest(context=other, patient_id=MARIA), None
        )
    with pytest.raises(PermissionDenied):
        await servicer.Cancel(
            scheduler_pb2.CancelRequest(
                context=other, patient_id=MARIA, appointment_id="appt-demo-seed-1"
            ),
            None,
        )
    with pytest.raises(PermissionDenied):
        await servicer.Reschedule(
            scheduler_pb2.RescheduleRequest(
                context=other,
                patient_id=MARIA,
                appointment_id="appt-demo-seed-1",
                new_slot_id=slot.slot_id,
            ),
            None,
        )
    assert [(r.action, r.result, r.patient_id) for r in audit.records] == [
        ("book", "denied", MARIA),
        ("list_appointments", "denied", MARIA),
        ("cancel", "denied", MARIA),
        ("reschedule", "denied", MARIA),
    ]
    # Nothing was booked or cancelled.
    listed = await servicer.ListAppointments(
        scheduler_pb2.ListAppointmentsRequest(
            context=await verified_ctx(servicer), patient_id=MARIA
        ),
        None,
    )
    assert [a.appointment_id for a in listed.appointments] == ["appt-demo-seed-1"]


async def test_cancelling_someone_elses_appointment_is_denied(
    servicer: SchedulerServicer, audit: RecordingAuditSink
) -> None:
    james = "pat-demo-02"
    with pytest.raises(PermissionDenied, match="another patient"):
        await servicer.Cancel(
            scheduler_pb2.CancelRequest(
                context=await verified_ctx(servicer, "James Smith", "1975-07-14"),
                patient_id=james,
                appointment_id="appt-demo-seed-1",
            ),
            None,
        )
    assert (audit.records[-1].action, audit.records[-1].result) == ("cancel", "denied")


async def test_identity_mismatch_is_an_answer_and_bad_dates_are_errors(
    servicer: SchedulerServicer, audit: RecordingAuditSink
) -> None:
    response = await servicer.VerifyIdentity(
        scheduler_pb2.VerifyIdentityRequest(
            context=ctx(), full_name="Maria Lopez", date_of_birth="1980-03-04"
        ),
        None,
    )
    assert not response.verified and response.patient_id == ""
    assert not response.HasField("known")
    assert (audit.records[-1].action, audit.records[-1].result) == ("verify_identity", "not_found")
    for bad in ["03/03/1980", "1980-13-01", "1980-3-3", "yesterday"]:
        with pytest.raises(InvalidArgument, match="date_of_birth must be a date") as caught:
            await servicer.VerifyIdentity(
                scheduler_pb2.VerifyIdentityRequest(
                    context=ctx(), full_name="Maria Lopez", date_of_birth=bad
                ),
                None,
            )
        assert bad not in caught.value.message  # a date of birth is PHI: never echoed
    with pytest.raises(InvalidArgument, match="full_name is required"):
        await servicer.VerifyIdentity(
            scheduler_pb2.VerifyIdentityRequest(context=ctx(), date_of_birth="1980-03-03"), None
        )


async def test_missing_fields_are_invalid_arguments_naming_the_field(
    servicer: SchedulerServicer,
) -> None:
    me = await verified_ctx(servicer)
    cases = [
        (servicer.FindSlots, scheduler_pb2.FindSlotsRequest(), "context.clinic_id"),
        (servicer.HoldSlot, scheduler_pb2.HoldSlotRequest(context=me), "slot_id"),
        (
            servicer.HoldSlot,
            scheduler_pb2.HoldSlotRequest(
                context=common_pb2.CallContext(clinic_id="demo"), slot_id="x"
            ),
            "context.call_id",
        ),
        (servicer.Book, scheduler_pb2.BookRequest(context=me, slot_id="x"), "patient_id"),
        (servicer.Book, scheduler_pb2.BookRequest(context=me, patient_id=MARIA), "slot_id"),
        (
            servicer.Cancel,
            scheduler_pb2.CancelRequest(context=me, patient_id=MARIA),
            "appointment_id",
        ),
        (
            servicer.Reschedule,
            scheduler_pb2.RescheduleRequest(context=me, patient_id=MARIA, appointment_id="a"),
            "new_slot_id",
        ),
        (
            servicer.ListAppointments,
            scheduler_pb2.ListAppointmentsRequest(context=me),
            "patient_id",
        ),
    ]
    for method, request, field in cases:
        with pytest.raises(InvalidArgument, match=f"^{field} is required"):
            await method(request, None)  # type: ignore[operator]


async def test_unknown_things_are_not_found(servicer: SchedulerServicer) -> None:
    me = await verified_ctx(servicer)
    with pytest.raises(NotFound):
        await servicer.HoldSlot(scheduler_pb2.HoldSlotRequest(context=me, slot_id="nope"), None)
    with pytest.raises(NotFound):
        await servicer.Book(
            scheduler_pb2.BookRequest(context=me, patient_id=MARIA, slot_id="nope"), None
        )
    with pytest.raises(NotFound):
        await servicer.Cancel(
            scheduler_pb2.CancelRequest(context=me, patient_id=MARIA, appointment_id="nope"), None
        )


async def test_find_slots_paging_and_window_arguments(servicer: SchedulerServicer) -> None:
    assert len(await find(servicer, page_size=200)) == 50
    assert len(await find(servicer, page_size=7)) == 7
    with pytest.raises(InvalidArgument, match="page_size"):
        await find(servicer, page_size=-1)
    after = Timestamp()
    after.FromDatetime(NOW + timedelta(days=2))
    before = Timestamp()
    before.FromDatetime(NOW + timedelta(days=1))
    with pytest.raises(InvalidArgument, match="start_before"):
        await find(servicer, start_after=after, start_before=before)
    later = await find(servicer, start_after=after)
    assert all(s.start_time.ToSeconds() >= after.ToSeconds() for s in later)
    with pytest.raises(InvalidArgument, match="appointment_type 'massage'"):
        await find(servicer, appointment_type="massage")


async def test_hold_ttl_limits(servicer: SchedulerServicer, clock: MovableClock) -> None:
    slots = await find(servicer)
    long = await servicer.HoldSlot(
        scheduler_pb2.HoldSlotRequest(context=ctx(), slot_id=slots[0].slot_id, ttl_seconds=5000),
        None,
    )
    assert long.expire_time.ToSeconds() == int((NOW + timedelta(seconds=900)).timestamp())
    with pytest.raises(InvalidArgument, match="ttl_seconds"):
        await servicer.HoldSlot(
            scheduler_pb2.HoldSlotRequest(context=ctx(), slot_id=slots[1].slot_id, ttl_seconds=-5),
            None,
        )
    with pytest.raises(FailedPrecondition, match="held for another caller"):
        await servicer.HoldSlot(
            scheduler_pb2.HoldSlotRequest(context=ctx("call-2"), slot_id=slots[0].slot_id), None
        )
    clock.advance(seconds=901)
    taken = await servicer.HoldSlot(
        scheduler_pb2.HoldSlotRequest(context=ctx("call-2"), slot_id=slots[0].slot_id), None
    )
    assert taken.hold_id != long.hold_id
