"""The SQL backend against a real SQLite file and a real PostgreSQL database (marked postgres)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler_adapter.domain import AppointmentStatus, PartOfDay, Slot, SlotQuery
from scheduler_adapter.schema import AppointmentRow, IdempotencyRow, SchemaVersionRow
from scheduler_adapter.seed import DEMO_PATIENTS
from scheduler_adapter.sql_backend import SchemaMismatch, SqlBackend
from scheduler_adapter.tests.conftest import DEMO, NOW, MovableClock
from servicekit.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

MARIA = DEMO_PATIENTS[0].patient_id("demo")
JAMES = DEMO_PATIENTS[1].patient_id("demo")
AISHA = DEMO_PATIENTS[2].patient_id("demo")
TWO_MIN = timedelta(minutes=2)


async def first_slot(backend: SqlBackend, call_id: str = "", **filters: object) -> Slot:
    slots = await backend.find_slots(SlotQuery(clinic_id="demo", call_id=call_id, **filters))  # type: ignore[arg-type]
    assert slots, f"no free slot for {filters}"
    return slots[0]


def booked_rows(backend: SqlBackend, slot: Slot) -> int:
    with Session(backend.engine) as session:
        return (
            session.scalar(
                select(func.count()).where(
                    AppointmentRow.provider_id == slot.provider_id,
                    AppointmentRow.start_time == slot.start,
                    AppointmentRow.status == "booked",
                )
            )
            or 0
        )


# --- FindSlots -----------------------------------------------------------------------------------


async def test_find_slots_defaults_are_the_three_earliest_free_slots_after_now(
    backend: SqlBackend,
) -> None:
    slots = await backend.find_slots(SlotQuery(clinic_id="demo"))
    assert len(slots) == 3
    starts = [s.start for s in slots]
    assert starts == sorted(starts)
    assert all(NOW < s.start < NOW + timedelta(days=14) for s in slots)
    # The clinic opens at 08:00 local on Monday: that is the first block (EST = UTC-5).
    assert starts[0] == datetime(2030, 3, 4, 13, 0, tzinfo=NOW.tzinfo)
    # One offer per provider block, not one per appointment type.
    assert len({(s.provider_id, s.start) for s in slots}) == 3
    assert all(s.time_zone == "America/New_York" for s in slots)


async def test_find_slots_filters_by_type_provider_and_window(backend: SqlBackend) -> None:
    after = NOW + timedelta(days=1)
    before = NOW + timedelta(days=2)
    slots = await backend.find_slots(
        SlotQuery(
            clinic_id="demo",
            appointment_type="vaccination",
            provider_id="np-chen",
            start_after=after,
            start_before=before,
            page_size=50,
        )
    )
    assert slots
    assert all(s.appointment_type == "vaccination" and s.provider_id == "np-chen" for s in slots)
    assert all(after <= s.start < before for s in slots)
    assert all(s.end - s.start == timedelta(minutes=15) for s in slots)
    assert [s.start for s in slots] == sorted(s.start for s in slots)
    # Dr. Patel does not do vaccinations.
    none = await backend.find_slots(
        SlotQuery(clinic_id="demo", appointment_type="vaccination", provider_id="dr-patel")
    )
    assert none == []


@pytest.mark.parametrize(
    ("part", "hours"),
    [
        (PartOfDay.MORNING, range(0, 12)),
        (PartOfDay.AFTERNOON, range(12, 17)),
        (PartOfDay.EVENING, range(17, 24)),
    ],
)
async def test_find_slots_part_of_day_is_in_clinic_local_time(
    backend: SqlBackend, part: PartOfDay, hours: range
) -> None:
    slots = await backend.find_slots(SlotQuery(clinic_id="demo", part_of_day=part, page_size=50))
    assert slots, f"the demo week has {part} slots"
    assert all(s.start.astimezone(DEMO.zone).hour in hours for s in slots)


async def test_find_slots_rejects_unknown_type_and_provider(backend: SqlBackend) -> None:
    with pytest.raises(InvalidArgument, match="appointment_type 'massage'"):
        await backend.find_slots(SlotQuery(clinic_id="demo", appointment_type="massage"))
    with pytest.raises(InvalidArgument, match="provider_id 'dr-who'"):
        await backend.find_slots(SlotQuery(clinic_id="demo", provider_id="dr-who"))
    with pytest.raises(NotFound):
        await backend.find_slots(SlotQuery(clinic_id="nowhere"))


async def test_a_booked_block_disappears_for_every_type(backend: SqlBackend) -> None:
    slot = await first_slot(backend, appointment_type="checkup", provider_id="dr-okafor")
    await backend.book("demo", "call-1", MARIA, slot.slot_id, "")
    remaining = await backend.find_slots(
        SlotQuery(clinic_id="demo", provider_id="dr-okafor", page_size=50)
    )
    assert all(s.start != slot.start for s in remaining)
    assert remaining[0].start == slot.start + timedelta(minutes=30)


# --- HoldSlot ------------------------------------------------------------------------------------


async def test_hold_hides_the_slot_from_other_calls_until_it_expires(
    backend: SqlBackend, clock: MovableClock
) -> None:
    slot = await first_slot(backend, appointment_type="checkup", provider_id="dr-patel")
    hold = await backend.hold_slot("demo", "call-A", slot.slot_id, TWO_MIN)
    assert hold.expires_at == NOW + TWO_MIN and hold.call_id == "call-A"

    async def offered_to(call_id: str) -> set[datetime]:
        query = SlotQuery("demo", "checkup", "dr-patel", page_size=50, call_id=call_id)
        return {s.start for s in await backend.find_slots(query)}

    assert slot.start not in await offered_to("call-B")
    assert slot.start in await offered_to("call-A")
    with pytest.raises(FailedPrecondition, match="held for another caller"):
        await backend.hold_slot("demo", "call-B", slot.slot_id, TWO_MIN)
    with pytest.raises(FailedPrecondition, match="held for another caller"):
        await backend.book("demo", "call-B", JAMES, slot.slot_id, "")

    clock.advance(seconds=121)
    assert slot.start in await offered_to("call-B")
    taken = await backend.hold_slot("demo", "call-B", slot.slot_id, TWO_MIN)
    assert taken.hold_id != hold.hold_id
    with pytest.raises(FailedPrecondition, match="held for another caller"):
        await backend.book("demo", "call-A", MARIA, slot.slot_id, "")


async def test_own_hold_renews_and_allows_booking(backend: SqlBackend, clock: MovableClock) -> None:
    slot = await first_slot(backend, appointment_type="sick-visit", provider_id="np-chen")
    hold = await backend.hold_slot("demo", "call-A", slot.slot_id, TWO_MIN)
    clock.advance(seconds=60)
    again = await backend.hold_slot("demo", "call-A", slot.slot_id, TWO_MIN)
    assert again.hold_id == hold.hold_id
    assert again.expires_at == clock.now + TWO_MIN
    booking = await backend.book("demo", "call-A", MARIA, slot.slot_id, "")
    assert booking.appointment.status is AppointmentStatus.BOOKED
    # The booking consumed the hold, and a booked slot cannot be held.
    with pytest.raises(FailedPrecondition, match="already booked"):
        await backend.hold_slot("demo", "call-B", slot.slot_id, TWO_MIN)


async def test_an_expired_hold_of_this_call_does_not_block_its_booking(
    backend: SqlBackend, clock: MovableClock
) -> None:
    slot = await first_slot(backend)
    await backend.hold_slot("demo", "call-A", slot.slot_id, TWO_MIN)
    clock.advance(minutes=10)
    booking = await backend.book("demo", "call-B", JAMES, slot.slot_id, "")
    assert booking.appointment.patient_id == JAMES


async def test_hold_and_book_refuse_unknown_and_started_slots(
    backend: SqlBackend, clock: MovableClock
) -> None:
    with pytest.raises(NotFound):
        await backend.hold_slot("demo", "call-A", "no-such-slot", TWO_MIN)
    with pytest.raises(NotFound):
        await backend.book("demo", "call-A", MARIA, "no-such-slot", "")
    with pytest.raises(NotFound):
        await backend.book("demo", "call-A", "pat-nobody", (await first_slot(backend)).slot_id, "")
    slot = await first_slot(backend)
    clock.now = slot.start
    with pytest.raises(FailedPrecondition, match="already started"):
        await backend.hold_slot("demo", "call-A", slot.slot_id, TWO_MIN)
    with pytest.raises(FailedPrecondition, match="already started"):
        await backend.book("demo", "call-A", MARIA, slot.slot_id, "")


# --- Book ----------------------------------------------------------------------------------------


async def test_a_slot_is_never_booked_twice(backend: SqlBackend) -> None:
    slot = await first_slot(backend, appointment_type="checkup", provider_id="dr-patel")
    await backend.book("demo", "call-A", MARIA, slot.slot_id, "")
    with pytest.raises(FailedPrecondition, match="just taken"):
        await backend.book("demo", "call-B", JAMES, slot.slot_id, "")
    # Nor the same provider block through another appointment type.
    follow_up = slot.slot_id.replace(".checkup.", ".follow-up.")
    with pytest.raises(FailedPrecondition, match="just taken"):
        await backend.book("demo", "call-C", AISHA, follow_up, "")
    assert booked_rows(backend, slot) == 1


async def test_the_database_itself_refuses_a_second_booked_row(backend: SqlBackend) -> None:
    slot = await first_slot(backend)
    row = dict(
        clinic_id="demo",
        patient_id=MARIA,
        slot_id=slot.slot_id,
        provider_id=slot.provider_id,
        start_time=slot.start,
        status="booked",
        created_at=NOW,
        updated_at=NOW,
    )
    with Session(backend.engine) as session, session.begin():
        session.execute(insert(AppointmentRow), [{**row, "id": "a1"}])
        # A cancelled row for the same block is fine.
        session.execute(insert(AppointmentRow), [{**row, "id": "a2", "status": "cancelled"}])
    with pytest.raises(IntegrityError), Session(backend.engine) as session, session.begin():
        session.execute(insert(AppointmentRow), [{**row, "id": "a3", "patient_id": JAMES}])


async def test_book_idempotency_key_returns_the_first_result(backend: SqlBackend) -> None:
    slot = await first_slot(backend)
    first = await backend.book("demo", "call-A", MARIA, slot.slot_id, "key-1")
    again = await backend.book("demo", "call-A", MARIA, slot.slot_id, "key-1")
    assert not first.replayed and again.replayed
    assert again.appointment == first.appointment
    assert booked_rows(backend, slot) == 1
    other = (await backend.find_slots(SlotQuery(clinic_id="demo")))[0]
    with pytest.raises(InvalidArgument, match="idempotency_key 'key-1'"):
        await backend.book("demo", "call-A", MARIA, other.slot_id, "key-1")
    with pytest.raises(InvalidArgument, match="idempotency_key 'key-1'"):
        await backend.cancel("demo", MARIA, first.appointment.appointment_id, "key-1")


async def test_failed_requests_leave_no_idempotency_record(backend: SqlBackend) -> None:
    slot = await first_slot(backend)
    await backend.book("demo", "call-A", MARIA, slot.slot_id, "")
    with pytest.raises(FailedPrecondition):
        await backend.book("demo", "call-B", JAMES, slot.slot_id, "key-2")
    with Session(backend.engine) as session:
        assert session.get(IdempotencyRow, "key-2") is None


# --- Cancel --------------------------------------------------------------------------------------


async def test_cancel_is_idempotent_and_frees_the_slot(backend: SqlBackend) -> None:
    slot = await first_slot(backend)
    appointment = (await backend.book("demo", "call-A", MARIA, slot.slot_id, "")).appointment
    first = await backend.cancel("demo", MARIA, appointment.appointment_id, "")
    assert first.changed and first.appointment.status is AppointmentStatus.CANCELLED
    second = await backend.cancel("demo", MARIA, appointment.appointment_id, "")
    assert not second.changed and second.appointment.status is AppointmentStatus.CANCELLED
    rebooked = await backend.book("demo", "call-B", JAMES, slot.slot_id, "")
    assert rebooked.appointment.patient_id == JAMES


async def test_cancel_refuses_other_patients_and_unknown_appointments(backend: SqlBackend) -> None:
    slot = await first_slot(backend)
    appointment = (await backend.book("demo", "call-A", MARIA, slot.slot_id, "")).appointment
    with pytest.raises(PermissionDenied):
        await backend.cancel("demo", JAMES, appointment.appointment_id, "")
    with pytest.raises(NotFound):
        await backend.cancel("demo", MARIA, "appt-nope", "")
    with pytest.raises(NotFound):
        await backend.cancel("other-clinic", MARIA, appointment.appointment_id, "")
    listed = await backend.list_appointments("demo", MARIA, include_inactive=False)
    assert appointment.appointment_id in {a.appointment_id for a in listed}


async def test_cancel_refuses_a_started_appointment(
    backend: SqlBackend, clock: MovableClock
) -> None:
    slot = await first_slot(backend)
    appointment = (await backend.book("demo", "call-A", MARIA, slot.slot_id, "")).appointment
    clock.now = slot.start + timedelta(minutes=1)
    with pytest.raises(FailedPrecondition, match="already started"):
        await backend.cancel("demo", MARIA, appointment.appointment_id, "")


# --- Reschedule ----------------------------------------------------------------------------------


async def test_reschedule_moves_the_appointment(backend: SqlBackend) -> None:
    slots = await backend.find_slots(
        SlotQuery(clinic_id="demo", appointment_type="checkup", provider_id="dr-patel")
    )
    old = (await backend.book("demo", "call-A", MARIA, slots[0].slot_id, "")).appointment
    moved = await backend.reschedule(
        "demo", "call-A", MARIA, old.appointment_id, slots[1].slot_id, "move-1"
    )
    assert moved.cancelled.appointment_id == old.appointment_id
    assert moved.cancelled.status is AppointmentStatus.CANCELLED
    assert moved.booked.status is AppointmentStatus.BOOKED
    assert moved.booked.slot.slot_id == slots[1].slot_id
    again = await backend.reschedule(
        "demo", "call-A", MARIA, old.appointment_id, slots[1].slot_id, "move-1"
    )
    assert again.replayed and again.booked == moved.booked
    upcoming = await backend.list_appointments("demo", MARIA, include_inactive=False)
    assert moved.booked.appointment_id in {a.appointment_id for a in upcoming}
    assert old.appointment_id not in {a.appointment_id for a in upcoming}
    # The old slot is free again.
    assert (await backend.book("demo", "call-B", JAMES, slots[0].slot_id, "")).appointment


async def test_reschedule_into_the_same_block_as_another_type(backend: SqlBackend) -> None:
    slot = await first_slot(backend, appointment_type="checkup", provider_id="dr-patel")
    old = (await backend.book("demo", "call-A", MARIA, slot.slot_id, "")).appointment
    same_block = slot.slot_id.replace(".checkup.", ".follow-up.")
    moved = await backend.reschedule("demo", "call-A", MARIA, old.appointment_id, same_block, "")
    assert moved.booked.slot.appointment_type == "follow-up"
    assert booked_rows(backend, slot) == 1


async def test_a_failed_reschedule_keeps_the_old_appointment(backend: SqlBackend) -> None:
    slots = await backend.find_slots(
        SlotQuery(clinic_id="demo", appointment_type="checkup", provider_id="dr-patel")
    )
    old = (await backend.book("demo", "call-A", MARIA, slots[0].slot_id, "")).appointment
    await backend.book("demo", "call-B", JAMES, slots[1].slot_id, "")
    with pytest.raises(FailedPrecondition, match="just taken"):
        await backend.reschedule(
            "demo", "call-A", MARIA, old.appointment_id, slots[1].slot_id, "move-2"
        )
    upcoming = await backend.list_appointments("demo", MARIA, include_inactive=True)
    still = next(a for a in upcoming if a.appointment_id == old.appointment_id)
    assert still.status is AppointmentStatus.BOOKED
    assert booked_rows(backend, slots[1]) == 1
    with Session(backend.engine) as session:
        assert session.get(IdempotencyRow, "move-2") is None
    # A cancelled appointment cannot be moved.
    await backend.cancel("demo", MARIA, old.appointment_id, "")
    with pytest.raises(FailedPrecondition, match="cancelled"):
        await backend.reschedule("demo", "call-A", MARIA, old.appointment_id, slots[2].slot_id, "")


# --- VerifyIdentity ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    ["Maria Lopez", "  maria   LOPEZ ", "Maria Elena Lopez", "Lopez, Maria", "MARÍA LÓPEZ"],
)
async def test_verify_identity_accepts_spoken_variants(backend: SqlBackend, said: str) -> None:
    result = await backend.verify_identity("demo", said, date(1980, 3, 3))
    assert result.verified and result.patient_id == MARIA
    assert result.identity is not None
    assert result.identity.names == ("Maria Lopez",)
    assert result.identity.phones == ("+15550100201",)
    assert result.identity.emails == ("maria.lopez@example.com",)
    assert result.identity.mrns == ("MRN-100001",)


@pytest.mark.parametrize(
    ("said", "born"),
    [
        ("Maria Lopez", date(1980, 3, 4)),
        ("Mario Lopez", date(1980, 3, 3)),
        ("Lopez", date(1980, 3, 3)),
        ("Maria", date(1980, 3, 3)),
        ("Maria Lopezz", date(1980, 3, 3)),
    ],
)
async def test_verify_identity_mismatches_are_not_verified(
    backend: SqlBackend, said: str, born: date
) -> None:
    result = await backend.verify_identity("demo", said, born)
    assert not result.verified and result.patient_id == "" and result.identity is None


async def test_verify_identity_handles_hyphens_accents_and_other_clinics(
    backend: SqlBackend,
) -> None:
    jose = await backend.verify_identity("demo", "jose garcia", date(1971, 4, 11))
    assert jose.verified and jose.patient_id == DEMO_PATIENTS[9].patient_id("demo")
    mary = await backend.verify_identity("demo", "Mary Ann Thompson", date(1990, 10, 10))
    assert mary.verified
    obrien = await backend.verify_identity("demo", "David OBrien", date(1988, 9, 17))
    assert obrien.verified
    elsewhere = await backend.verify_identity("other-clinic", "Maria Lopez", date(1980, 3, 3))
    assert not elsewhere.verified


# --- ListAppointments ----------------------------------------------------------------------------


async def test_list_appointments_upcoming_by_default(
    backend: SqlBackend, clock: MovableClock
) -> None:
    # Maria has one seeded appointment three days out.
    seeded = await backend.list_appointments("demo", MARIA, include_inactive=False)
    assert [a.appointment_id for a in seeded] == ["appt-demo-seed-1"]
    slots = await backend.find_slots(SlotQuery(clinic_id="demo", provider_id="np-chen"))
    soon = (await backend.book("demo", "c", MARIA, slots[0].slot_id, "")).appointment
    later = (await backend.book("demo", "c", MARIA, slots[1].slot_id, "")).appointment
    await backend.cancel("demo", MARIA, later.appointment_id, "")
    upcoming = await backend.list_appointments("demo", MARIA, include_inactive=False)
    assert [a.appointment_id for a in upcoming] == [soon.appointment_id, "appt-demo-seed-1"]
    everything = await backend.list_appointments("demo", MARIA, include_inactive=True)
    assert {a.appointment_id for a in everything} == {
        soon.appointment_id,
        later.appointment_id,
        "appt-demo-seed-1",
    }
    clock.now = soon.slot.end
    upcoming = await backend.list_appointments("demo", MARIA, include_inactive=False)
    assert [a.appointment_id for a in upcoming] == ["appt-demo-seed-1"]
    with pytest.raises(NotFound):
        await backend.list_appointments("demo", "pat-nobody", include_inactive=False)


# --- schema ---------------------------------------------------------------------------------


async def test_a_database_with_another_schema_version_is_refused(backend: SqlBackend) -> None:
    with Session(backend.engine) as session, session.begin():
        session.execute(update(SchemaVersionRow).values(version=999))
    with pytest.raises(SchemaMismatch, match="schema version \\[999\\]"):
        SqlBackend(backend.engine)


async def test_reopening_a_database_keeps_its_data(db_url: str, clock: MovableClock) -> None:
    first = SqlBackend.open(db_url, clock)
    from scheduler_adapter.seed import seed_demo

    seed_demo(first, DEMO, clock(), days=2)
    slot = await first_slot(first)
    await first.book("demo", "c", MARIA, slot.slot_id, "")
    first.close()
    second = SqlBackend.open(db_url, clock)
    try:
        assert booked_rows(second, slot) == 1
    finally:
        second.close()


# --- offers spread across equivalent slots ----------------------------------------------------


async def test_concurrent_callers_asking_for_the_same_times_are_offered_different_slots(
    backend: SqlBackend,
) -> None:
    query = {"part_of_day": PartOfDay.AFTERNOON, "appointment_type": "checkup"}
    offers = await asyncio.gather(
        *(
            backend.find_slots(SlotQuery(clinic_id="demo", call_id=f"CA{n}", **query))  # type: ignore[arg-type]
            for n in range(40)
        )
    )
    earliest = await backend.find_slots(SlotQuery(clinic_id="demo", **query))  # type: ignore[arg-type]
    firsts = [slots[0].slot_id for slots in offers]
    # Not everyone hears the same first time: the first offers spread over many slots.
    assert len(set(firsts)) >= 8, firsts
    assert firsts.count(earliest[0].slot_id) < 40 // 3
    day = earliest[0].start.astimezone(ZoneInfo(earliest[0].time_zone)).date()
    for slots in offers:
        assert len(slots) == 3
        starts = [s.start for s in slots]
        assert starts == sorted(starts)  # read out in time order
        for slot in slots:
            local = slot.start.astimezone(ZoneInfo(slot.time_zone))
            assert local.date() == day and local.hour >= 12  # equivalent: that afternoon
            assert slot.appointment_type == "checkup"


async def test_a_call_asking_again_hears_the_same_offers(backend: SqlBackend) -> None:
    query = SlotQuery(clinic_id="demo", call_id="CA-again", part_of_day=PartOfDay.MORNING)
    first, again = await backend.find_slots(query), await backend.find_slots(query)
    assert [s.slot_id for s in first] == [s.slot_id for s in again]


async def test_slots_held_by_another_call_are_never_offered(backend: SqlBackend) -> None:
    query = {"part_of_day": PartOfDay.MORNING, "appointment_type": "checkup"}
    pool = await backend.find_slots(SlotQuery(clinic_id="demo", page_size=6, **query))  # type: ignore[arg-type]
    held = [slot.slot_id for slot in pool]
    for slot_id in held:
        await backend.hold_slot("demo", "CA-holder", slot_id, timedelta(minutes=3))
    offers = await asyncio.gather(
        *(
            backend.find_slots(SlotQuery(clinic_id="demo", call_id=f"CA{n}", **query))  # type: ignore[arg-type]
            for n in range(30)
        )
    )
    offered = {slot.slot_id for slots in offers for slot in slots}
    assert offered and not offered & set(held)
    # The call holding them still sees its own holds.
    own = await backend.find_slots(
        SlotQuery(clinic_id="demo", call_id="CA-holder", page_size=50, **query)  # type: ignore[arg-type]
    )
    assert set(held) <= {slot.slot_id for slot in own}


async def test_a_calls_holds_go_when_it_ends(backend: SqlBackend) -> None:
    slot = await first_slot(backend, appointment_type="checkup", provider_id="dr-patel")
    await backend.hold_slot("demo", "call-ends", slot.slot_id, timedelta(minutes=3))
    await backend.hold_slot("demo", "call-other", (await first_slot(backend)).slot_id, TWO_MIN)
    assert await backend.release_holds("other-clinic", "call-ends") == 0
    assert await backend.release_holds("demo", "call-ends") == 1
    # Free for the next caller at once, not at the hold's expiry; other calls' holds stay.
    await backend.hold_slot("demo", "call-next", slot.slot_id, TWO_MIN)
    assert await backend.release_holds("demo", "call-other") == 1


async def test_the_time_a_caller_named_is_offered_first_and_the_rest_spread(
    backend: SqlBackend,
) -> None:
    earliest = await backend.find_slots(SlotQuery(clinic_id="demo", page_size=8))
    named = earliest[4].start  # a slot's own start time, as "Monday at 3:30" gives
    offers = await asyncio.gather(
        *(
            backend.find_slots(SlotQuery(clinic_id="demo", call_id=f"CA{n}", start_after=named))
            for n in range(20)
        )
    )
    assert all(slots[0].start == named for slots in offers)
    assert len({tuple(s.slot_id for s in slots[1:]) for slots in offers}) > 3
