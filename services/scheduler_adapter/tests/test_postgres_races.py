"""Races on the real PostgreSQL: many threads, each with its own engine and connections."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler_adapter.domain import SlotQuery
from scheduler_adapter.schema import AppointmentRow, HoldRow
from scheduler_adapter.seed import DEMO_PATIENTS, seed_demo
from scheduler_adapter.sql_backend import SqlBackend
from scheduler_adapter.tests.conftest import DEMO, MovableClock
from servicekit.errors import FailedPrecondition, ServiceError

pytestmark = pytest.mark.postgres

CONTENDERS = 16
T = TypeVar("T")


def race(
    url: str, clock: MovableClock, attempt: Callable[[SqlBackend, int], Coroutine[Any, Any, T]]
) -> list[T | ServiceError]:
    """Runs ``attempt(backend, i)`` in CONTENDERS threads released together by a barrier."""
    barrier = threading.Barrier(CONTENDERS)
    backends = [SqlBackend.open(url, clock) for _ in range(CONTENDERS)]

    def run(i: int) -> T | ServiceError:
        barrier.wait()
        try:
            return asyncio.run(attempt(backends[i], i))
        except ServiceError as error:
            return error

    try:
        with ThreadPoolExecutor(CONTENDERS) as pool:
            return list(pool.map(run, range(CONTENDERS)))
    finally:
        for backend in backends:
            backend.close()


@pytest.fixture
def seeded(postgres_url: str, clock: MovableClock) -> str:
    backend = SqlBackend.open(postgres_url, clock)
    seed_demo(backend, DEMO, clock(), days=2)
    backend.close()
    return postgres_url


def count(url: str, statement: Any) -> int:
    backend = SqlBackend.open(url)
    try:
        with Session(backend.engine) as session:
            return int(session.scalar(statement) or 0)
    finally:
        backend.close()


async def _first_checkup(url: str, clock: MovableClock) -> Any:
    backend = SqlBackend.open(url, clock)
    try:
        return (
            await backend.find_slots(
                SlotQuery(clinic_id="demo", appointment_type="checkup", provider_id="dr-patel")
            )
        )[0]
    finally:
        backend.close()


async def test_concurrent_bookings_of_one_slot_make_exactly_one_appointment(
    seeded: str, clock: MovableClock
) -> None:
    slot = await _first_checkup(seeded, clock)
    patients = [p.patient_id("demo") for p in DEMO_PATIENTS]

    async def book(backend: SqlBackend, i: int) -> str:
        booking = await backend.book(
            "demo", f"call-{i}", patients[i % len(patients)], slot.slot_id, f"key-{i}"
        )
        return booking.appointment.appointment_id

    outcomes = race(seeded, clock, book)
    winners = [o for o in outcomes if isinstance(o, str)]
    losers = [o for o in outcomes if not isinstance(o, str)]
    assert len(winners) == 1
    assert len(losers) == CONTENDERS - 1
    assert all(isinstance(o, FailedPrecondition) and "just taken" in o.message for o in losers)
    booked = select(func.count()).where(
        AppointmentRow.start_time == slot.start,
        AppointmentRow.provider_id == slot.provider_id,
        AppointmentRow.status == "booked",
    )
    assert count(seeded, booked) == 1


async def test_concurrent_bookings_of_one_block_through_different_types(
    seeded: str, clock: MovableClock
) -> None:
    slot = await _first_checkup(seeded, clock)
    codes = ["checkup", "sick-visit", "follow-up"]

    async def book(backend: SqlBackend, i: int) -> str:
        slot_id = slot.slot_id.replace(".checkup.", f".{codes[i % 3]}.")
        booking = await backend.book(
            "demo", f"call-{i}", DEMO_PATIENTS[i % 12].patient_id("demo"), slot_id, ""
        )
        return booking.appointment.appointment_id

    outcomes = race(seeded, clock, book)
    assert sum(isinstance(o, str) for o in outcomes) == 1
    assert all(isinstance(o, (str, FailedPrecondition)) for o in outcomes)


async def test_concurrent_retries_with_one_key_return_one_appointment(
    seeded: str, clock: MovableClock
) -> None:
    slot = await _first_checkup(seeded, clock)
    maria = DEMO_PATIENTS[0].patient_id("demo")

    async def book(backend: SqlBackend, i: int) -> str:
        booking = await backend.book("demo", "call-1", maria, slot.slot_id, "same-key")
        return booking.appointment.appointment_id

    outcomes = race(seeded, clock, book)
    assert all(isinstance(o, str) for o in outcomes), outcomes
    assert len(set(outcomes)) == 1
    rows = select(func.count()).where(
        AppointmentRow.patient_id == maria, AppointmentRow.call_id == "call-1"
    )
    assert count(seeded, rows) == 1


async def test_concurrent_holds_leave_one_holder(seeded: str, clock: MovableClock) -> None:
    slot = await _first_checkup(seeded, clock)

    async def hold(backend: SqlBackend, i: int) -> str:
        held = await backend.hold_slot("demo", f"call-{i}", slot.slot_id, timedelta(minutes=2))
        return held.call_id

    outcomes = race(seeded, clock, hold)
    holders = [o for o in outcomes if isinstance(o, str)]
    assert len(holders) == 1
    assert all(isinstance(o, FailedPrecondition) for o in outcomes if not isinstance(o, str))
    assert count(seeded, select(func.count()).select_from(HoldRow)) == 1
