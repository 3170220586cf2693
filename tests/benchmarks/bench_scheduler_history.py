"""The scheduler's per-call queries on a clinic with a long history: do they stay flat?

    .venv/bin/python tests/benchmarks/bench_scheduler_history.py [--appointments 100000]
        [--rounds 200] [--database sqlite|postgres]

Builds the demo clinic's calendar (three weeks of free slots, the demo patients), times what a
call does against it (FindSlots from many calls, HoldSlot + release, ListAppointments), then adds
a history — ``--appointments`` past appointments on past slots, as many expired holds and
idempotency records, spread over thousands of patients — and times the same again. A query
whose cost grows with the history shows as a ratio well above 1. CPU time of this process per
operation (the database runs in it for SQLite), p50 and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from clinic import ClinicDirectory
from scheduler_adapter.domain import PartOfDay, SlotQuery
from scheduler_adapter.schema import (
    AppointmentRow,
    HoldRow,
    IdempotencyRow,
    PatientRow,
    SlotRow,
)
from scheduler_adapter.seed import DEMO_PATIENTS, seed_demo
from scheduler_adapter.sql_backend import SqlBackend
from servicekit.settings import PROJECT_ROOT
from servicekit.testing import PostgresDatabase

CLINICS = PROJECT_ROOT / "deploy" / "local" / "clinics"
BATCH = 5000


def add_history(backend: SqlBackend, clinic_id: str, providers: list[str], count: int) -> None:
    """``count`` booked/cancelled past appointments on past slots, expired holds, idempotency
    records, over ``count // 20`` patients."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    patients = max(1, count // 20)
    with backend.engine.begin() as connection:
        connection.execute(
            insert(PatientRow),
            [
                {
                    "id": f"hist-{n}",
                    "clinic_id": clinic_id,
                    "first_name": f"First{n}",
                    "last_name": f"Last{n}",
                    "date_of_birth": date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
                }
                for n in range(patients)
            ],
        )
        for start in range(0, count, BATCH):
            slots, appointments, holds, keys = [], [], [], []
            for n in range(start, min(count, start + BATCH)):
                provider = providers[n % len(providers)]
                # Past half-hour blocks, newest first, one per provider per block.
                at = now - timedelta(days=1, minutes=30 * (n // len(providers)))
                slot_id = f"{clinic_id}.{provider}.hist.{n}"
                slots.append(
                    {
                        "id": slot_id,
                        "clinic_id": clinic_id,
                        "provider_id": provider,
                        "appointment_type": "checkup",
                        "start_time": at,
                        "end_time": at + timedelta(minutes=30),
                    }
                )
                appointments.append(
                    {
                        "id": f"hist-appt-{n}",
                        "clinic_id": clinic_id,
                        "patient_id": f"hist-{n % patients}",
                        "slot_id": slot_id,
                        "provider_id": provider,
                        "start_time": at,
                        "status": "booked" if n % 7 else "cancelled",
                        "call_id": f"hist-call-{n}",
                        "created_at": at - timedelta(days=3),
                        "updated_at": at - timedelta(days=3),
                    }
                )
                holds.append(
                    {
                        "id": f"hist-hold-{n}",
                        "clinic_id": clinic_id,
                        "provider_id": provider,
                        "start_time": at,
                        "slot_id": slot_id,
                        "call_id": f"hist-call-{n}",
                        "expires_at": at - timedelta(days=3) + timedelta(minutes=3),
                    }
                )
                keys.append(
                    {
                        "key": f"hist-key-{n}",
                        "operation": "book",
                        "fingerprint": "0" * 64,
                        "result": "{}",
                        "created_at": at - timedelta(days=3),
                    }
                )
            connection.execute(insert(SlotRow), slots)
            connection.execute(insert(AppointmentRow), appointments)
            connection.execute(insert(HoldRow), holds)
            connection.execute(insert(IdempotencyRow), keys)


async def timed(rounds: int, operation: Callable[[int], Awaitable[object]]) -> list[float]:
    """CPU milliseconds of each run (this process: the caller and SQLite alike)."""
    samples = []
    for n in range(rounds):
        before = time.process_time()
        await operation(n)
        samples.append(1000 * (time.process_time() - before))
    return samples


def figures(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


async def measure(backend: SqlBackend, clinic_id: str, rounds: int, tag: str) -> dict[str, float]:
    maria = DEMO_PATIENTS[0].patient_id(clinic_id)

    async def find(n: int) -> object:
        return await backend.find_slots(
            SlotQuery(clinic_id, part_of_day=PartOfDay.AFTERNOON, call_id=f"{tag}-find-{n}")
        )

    async def hold_and_release(n: int) -> object:
        call = f"{tag}-hold-{n}"
        slots = await backend.find_slots(SlotQuery(clinic_id, call_id=call))
        await backend.hold_slot(clinic_id, call, slots[0].slot_id, timedelta(minutes=3))
        return await backend.release_holds(clinic_id, call)

    async def listing(n: int) -> object:
        return await backend.list_appointments(clinic_id, maria, True)

    results = {}
    for name, operation in (
        ("find_slots", find),
        ("hold+release", hold_and_release),
        ("list_appointments", listing),
    ):
        p50, p95 = figures(await timed(rounds, operation))
        results[f"{name} p50"], results[f"{name} p95"] = p50, p95
    return results


async def run(appointments: int, rounds: int, url: str) -> None:
    clinic = ClinicDirectory.from_folder(CLINICS).get("demo")
    backend = SqlBackend.open(url)
    try:
        seed_demo(backend, clinic, datetime.now(UTC))
        empty = await measure(backend, clinic.id, rounds, "empty")
        started = time.monotonic()
        add_history(backend, clinic.id, [p.id for p in clinic.providers], appointments)
        print(
            f"history of {appointments:,} appointments added in {time.monotonic() - started:.0f} s"
        )
        full = await measure(backend, clinic.id, rounds, "full")
    finally:
        backend.close()
    print(f"{'operation (CPU ms)':24s} {'empty':>8s} {'history':>8s} {'ratio':>6s}")
    for key in empty:
        ratio = full[key] / empty[key] if empty[key] else float("nan")
        print(f"{key:24s} {empty[key]:8.2f} {full[key]:8.2f} {ratio:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    if args.database == "postgres":
        database = PostgresDatabase.create()
        try:
            asyncio.run(run(args.appointments, args.rounds, database.url))
        finally:
            database.drop()
        return
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as folder:
        url = f"sqlite+pysqlite:///{Path(folder) / 'scheduler.db'}"
        asyncio.run(run(args.appointments, args.rounds, url))


if __name__ == "__main__":
    main()
