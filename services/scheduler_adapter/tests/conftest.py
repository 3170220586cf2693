"""Fixtures: a movable clock, the demo clinic, and seeded SQL backends on SQLite and PostgreSQL.

The PostgreSQL tests create a uniquely named database on postgres@127.0.0.1:5432 and drop it
afterwards; they are skipped (with the reason) when no server answers there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from clinic import Clinic, ClinicDirectory
from scheduler_adapter.seed import seed_demo
from scheduler_adapter.sql_backend import SqlBackend
from servicekit.testing import PostgresDatabase

REPO = Path(__file__).resolve().parents[3]
DEMO: Clinic = ClinicDirectory.from_folder(REPO / "deploy/local/clinics").get("demo")
# Monday 4 March 2030, 07:00 in New York (EST): an hour before the demo clinic opens.
NOW = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)


@dataclass
class MovableClock:
    """The injected clock: tests move it instead of sleeping."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def postgres_url(postgres_database: PostgresDatabase) -> str:
    """A new, uniquely named PostgreSQL database, dropped afterwards (servicekit.testing)."""
    return postgres_database.url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL: a SQLite file, then a temporary PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'scheduler.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def backend(db_url: str, clock: MovableClock) -> Iterator[SqlBackend]:
    """A backend on ``db_url`` seeded with a week of demo slots and the demo patients."""
    backend = SqlBackend.open(db_url, clock)
    seed_demo(backend, DEMO, clock(), days=7)
    try:
        yield backend
    finally:
        backend.close()
