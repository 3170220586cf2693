"""Demo data: a few weeks of slots from a clinic's config, and fixed demo patients.

``seed_demo(backend_or_engine, clinic, now)`` is idempotent: it adds only what is missing, so
``frontdesk up`` can run it on every start. Slots are 30-minute blocks inside the clinic's
opening hours (closed dates skipped), one slot per provider, per appointment type the provider
offers, per block; a type's slot lasts its own duration from the block start. Types longer
than a block get no demo slots.

Demo patients of a clinic ``<c>`` have ids ``pat-<c>-01`` … ``pat-<c>-12``:

====  ====================  ==========  ============  ======================  ===========
 #    name                  born        phone         email                   MRN
====  ====================  ==========  ============  ======================  ===========
01    Maria Lopez           1980-03-03  +15550100201  maria.lopez@example.com  MRN-100001
02    James Smith           1975-07-14  +15550100202  james.smith@example.com  MRN-100002
03    Aisha Khan            1992-11-30  +15550100203  aisha.khan@example.com   MRN-100003
04    Wei Zhang             1968-01-22  +15550100204  wei.zhang@example.com    MRN-100004
05    Olga Petrova          1955-05-09  +15550100205  olga.petrova@example.com MRN-100005
06    David O'Brien         1988-09-17  +15550100206  david.obrien@example.com MRN-100006
07    Sofia Rossi           2001-02-28  +15550100207  sofia.rossi@example.com  MRN-100007
08    Kwame Mensah          1983-12-05  +15550100208  kwame.mensah@example.com MRN-100008
09    Emily Johnson         1996-06-21  +15550100209  emily.johnson@example.com MRN-100009
10    José García           1971-04-11  +15550100210  jose.garcia@example.com  MRN-100010
11    Hannah Müller         1964-08-02  +15550100211  hannah.muller@example.com MRN-100011
12    Mary-Ann Thompson     1990-10-10  +15550100212  maryann.t@example.com    MRN-100012
====  ====================  ==========  ============  ======================  ===========

Two have an upcoming appointment (when the clinic has the provider and type): Maria Lopez a
``checkup`` with ``dr-patel`` and James Smith a ``sick-visit`` with ``dr-okafor``, each in the
first matching free slot at least three days after ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from clinic import Clinic
from clinic._model import WEEKDAYS
from scheduler_adapter.schema import AppointmentRow, PatientNicknameRow, PatientRow, SlotRow
from scheduler_adapter.sql_backend import SqlBackend

BLOCK = timedelta(minutes=30)
DEFAULT_DAYS = 21


@dataclass(frozen=True)
class DemoPatient:
    number: str
    first_name: str
    last_name: str
    date_of_birth: date
    phone: str
    email: str
    mrn: str
    # First names the record also answers to.
    nicknames: tuple[str, ...] = ()

    def patient_id(self, clinic_id: str) -> str:
        return f"pat-{clinic_id}-{self.number}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


DEMO_PATIENTS: tuple[DemoPatient, ...] = (
    DemoPatient(
        "01",
        "Maria",
        "Lopez",
        date(1980, 3, 3),
        "+15550100201",
        "maria.lopez@example.com",
        "MRN-100001",
    ),
    DemoPatient(
        "02",
        "James",
        "Smith",
        date(1975, 7, 14),
        "+15550100202",
        "james.smith@example.com",
        "MRN-100002",
        nicknames=("Jim", "Jimmy"),
    ),
    DemoPatient(
        "03",
        "Aisha",
        "Khan",
        date(1992, 11, 30),
        "+15550100203",
        "aisha.khan@example.com",
        "MRN-100003",
    ),
    DemoPatient(
        "04",
        "Wei",
        "Zhang",
        date(1968, 1, 22),
        "+15550100204",
        "wei.zhang@example.com",
        "MRN-100004",
    ),
    DemoPatient(
        "05",
        "Olga",
        "Petrova",
        date(1955, 5, 9),
        "+15550100205",
        "olga.petrova@example.com",
        "MRN-100005",
    ),
    DemoPatient(
        "06",
        "David",
        "O'Brien",
        date(1988, 9, 17),
        "+15550100206",
        "david.obrien@example.com",
        "MRN-100006",
    ),
    DemoPatient(
        "07",
        "Sofia",
        "Rossi",
        date(2001, 2, 28),
        "+15550100207",
        "sofia.rossi@example.com",
        "MRN-100007",
    ),
    DemoPatient(
        "08",
        "Kwame",
        "Mensah",
        date(1983, 12, 5),
        "+15550100208",
        "kwame.mensah@example.com",
        "MRN-100008",
    ),
    DemoPatient(
        "09",
        "Emily",
        "Johnson",
        date(1996, 6, 21),
        "+15550100209",
        "emily.johnson@example.com",
        "MRN-100009",
    ),
    DemoPatient(
        "10",
        "José",
        "García",
        date(1971, 4, 11),
        "+15550100210",
        "jose.garcia@example.com",
        "MRN-100010",
    ),
    DemoPatient(
        "11",
        "Hannah",
        "Müller",
        date(1964, 8, 2),
        "+15550100211",
        "hannah.muller@example.com",
        "MRN-100011",
    ),
    DemoPatient(
        "12",
        "Mary-Ann",
        "Thompson",
        date(1990, 10, 10),
        "+15550100212",
        "maryann.t@example.com",
        "MRN-100012",
    ),
)

# (patient number, provider id, appointment type) of the seeded upcoming appointments.
DEMO_APPOINTMENTS: tuple[tuple[str, str, str], ...] = (
    ("01", "dr-patel", "checkup"),
    ("02", "dr-okafor", "sick-visit"),
)


@dataclass(frozen=True)
class DemoSlot:
    slot_id: str
    provider_id: str
    appointment_type: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class SeedSummary:
    """How many rows this run added."""

    slots: int
    patients: int
    appointments: int


def demo_slots(clinic: Clinic, now: datetime, days: int = DEFAULT_DAYS) -> list[DemoSlot]:
    """The demo slots for ``days`` local days from ``now``'s date, starting after ``now``."""
    zone = clinic.zone
    first_day = clinic.local(now).date()
    durations = {t.code: timedelta(minutes=t.duration_minutes) for t in clinic.appointment_types}
    slots: list[DemoSlot] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day.isoformat() in clinic.closed_dates:
            continue
        for hours in clinic.hours.get(WEEKDAYS[day.weekday()], ()):
            block = datetime.combine(day, hours.opens, tzinfo=zone)
            closes = datetime.combine(day, hours.closes, tzinfo=zone)
            while block + BLOCK <= closes:
                if block > now:
                    for provider in clinic.providers:
                        for code in provider.appointment_types:
                            if durations[code] > BLOCK:
                                continue
                            duration = durations[code]
                            slots.append(_slot(clinic.id, provider.id, code, block, duration))
                block += BLOCK
    return slots


def _slot(
    clinic_id: str, provider_id: str, code: str, start: datetime, duration: timedelta
) -> DemoSlot:
    # UTC in the id: local wall-clock times repeat when daylight saving time ends.
    stamp = start.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    slot_id = f"{clinic_id}.{provider_id}.{code}.{stamp}"
    return DemoSlot(slot_id, provider_id, code, start, start + duration)


def seed_demo(
    target: SqlBackend | Engine, clinic: Clinic, now: datetime, *, days: int = DEFAULT_DAYS
) -> SeedSummary:
    """Adds the clinic's config, demo slots, demo patients and two demo appointments if missing."""
    backend = target if isinstance(target, SqlBackend) else SqlBackend(target)
    backend.sync_clinic(clinic)
    slots = demo_slots(clinic, now, days)
    with Session(backend.engine) as session, session.begin():
        existing_slots = set(
            session.scalars(select(SlotRow.id).where(SlotRow.clinic_id == clinic.id)).all()
        )
        new_slots = [
            {
                "id": s.slot_id,
                "clinic_id": clinic.id,
                "provider_id": s.provider_id,
                "appointment_type": s.appointment_type,
                "start_time": s.start,
                "end_time": s.end,
            }
            for s in slots
            if s.slot_id not in existing_slots
        ]
        if new_slots:
            session.execute(insert(SlotRow), new_slots)

        existing_patients = set(
            session.scalars(select(PatientRow.id).where(PatientRow.clinic_id == clinic.id)).all()
        )
        new_patients = [
            p for p in DEMO_PATIENTS if p.patient_id(clinic.id) not in existing_patients
        ]
        session.add_all(
            PatientRow(
                id=p.patient_id(clinic.id),
                clinic_id=clinic.id,
                first_name=p.first_name,
                last_name=p.last_name,
                date_of_birth=p.date_of_birth,
                phone=p.phone,
                email=p.email,
                mrn=p.mrn,
            )
            for p in new_patients
        )
        session.flush()
        session.add_all(
            PatientNicknameRow(patient_id=p.patient_id(clinic.id), nickname=nickname)
            for p in new_patients
            for nickname in p.nicknames
        )
        appointments = _seed_appointments(session, clinic, slots, now)
    return SeedSummary(len(new_slots), len(new_patients), appointments)


def _seed_appointments(
    session: Session, clinic: Clinic, slots: list[DemoSlot], now: datetime
) -> int:
    booked_blocks = {
        (provider_id, start)
        for provider_id, start in session.execute(
            select(AppointmentRow.provider_id, AppointmentRow.start_time).where(
                AppointmentRow.clinic_id == clinic.id, AppointmentRow.status == "booked"
            )
        )
    }
    added = 0
    for index, (number, provider_id, code) in enumerate(DEMO_APPOINTMENTS, start=1):
        appointment_id = f"appt-{clinic.id}-seed-{index}"
        if session.get(AppointmentRow, appointment_id) is not None:
            continue
        slot = next(
            (
                s
                for s in slots
                if s.provider_id == provider_id
                and s.appointment_type == code
                and s.start >= now + timedelta(days=3)
                and (provider_id, s.start) not in booked_blocks
            ),
            None,
        )
        if slot is None:
            continue
        session.add(
            AppointmentRow(
                id=appointment_id,
                clinic_id=clinic.id,
                patient_id=f"pat-{clinic.id}-{number}",
                slot_id=slot.slot_id,
                provider_id=provider_id,
                start_time=slot.start,
                status="booked",
                call_id="seed",
                created_at=now,
                updated_at=now,
            )
        )
        booked_blocks.add((provider_id, slot.start))
        added += 1
    return added
