"""The demo seed: slots inside opening hours, fixed patients, idempotent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clinic._model import WEEKDAYS
from scheduler_adapter.schema import AppointmentRow, PatientRow, SlotRow
from scheduler_adapter.seed import DEMO_PATIENTS, demo_slots, seed_demo
from scheduler_adapter.sql_backend import SqlBackend, make_engine
from scheduler_adapter.tests.conftest import DEMO, NOW


def test_demo_slots_lie_inside_opening_hours_after_now() -> None:
    slots = demo_slots(DEMO, NOW, days=14)
    assert slots
    offered = {p.id: set(p.appointment_types) for p in DEMO.providers}
    for slot in slots:
        start = slot.start.astimezone(DEMO.zone)
        end = slot.end.astimezone(DEMO.zone)
        hours = DEMO.hours[WEEKDAYS[start.weekday()]]
        assert any(h.opens <= start.time() and end.time() <= h.closes for h in hours)
        assert slot.start > NOW
        assert slot.appointment_type in offered[slot.provider_id]
        assert start.minute in (0, 30)
    assert {s.start.astimezone(DEMO.zone).weekday() for s in slots} == {0, 1, 2, 3, 4, 5}
    assert len({s.slot_id for s in slots}) == len(slots)
    assert max(s.start for s in slots) < NOW + timedelta(days=14)
    # Every day starts at opening time in local time, on both sides of the DST change (10 March).
    first_by_day: dict[object, object] = {}
    for slot in sorted(slots, key=lambda s: s.start):
        local = slot.start.astimezone(DEMO.zone)
        first_by_day.setdefault(local.date(), local.time())
    for day, first in first_by_day.items():
        assert first == DEMO.hours[WEEKDAYS[day.weekday()]][0].opens  # type: ignore[attr-defined]
    assert len(first_by_day) == 12


def test_seed_is_idempotent_and_names_the_documented_patients() -> None:
    engine = make_engine("sqlite+pysqlite:///:memory:")
    first = seed_demo(engine, DEMO, NOW, days=5)
    second = seed_demo(SqlBackend(engine), DEMO, NOW, days=5)
    assert first.slots == len(demo_slots(DEMO, NOW, days=5)) and first.patients == 12
    assert first.appointments == 2
    assert (second.slots, second.patients, second.appointments) == (0, 0, 0)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(SlotRow)) == first.slots
        assert session.scalar(select(func.count()).select_from(AppointmentRow)) == 2
        maria = session.get(PatientRow, "pat-demo-01")
        assert maria is not None
        assert (maria.first_name, maria.last_name, maria.date_of_birth.isoformat()) == (
            "Maria",
            "Lopez",
            "1980-03-03",
        )
        assert session.scalar(select(func.count()).select_from(PatientRow)) == len(DEMO_PATIENTS)
    # A later run adds only the new days' slots.
    third = seed_demo(engine, DEMO, NOW + timedelta(days=1), days=5)
    assert third.patients == 0 and 0 < third.slots < first.slots
