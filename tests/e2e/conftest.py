"""The stack for end-to-end tests: a real nats-server and the six services on real ports,
with the scheduler on SQLite or on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from servicekit.testing import NatsServer, PostgresDatabase

from .stack import Stack

SCENARIOS = Path(__file__).parent / "scenarios"


@pytest.fixture(scope="module")
def module_nats() -> Iterator[NatsServer]:
    server = NatsServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def scheduler_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The scheduler's database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path_factory.mktemp('sched') / 'scheduler.db'}"
        return
    try:
        database = PostgresDatabase.create()
    except Exception as error:
        import os

        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unavailable: {error}")
    try:
        yield database.url
    finally:
        database.drop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(
    module_nats: NatsServer, scheduler_db: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    async with Stack.start(
        module_nats.url, state_dir=tmp_path_factory.mktemp("stack"), scheduler_db=scheduler_db
    ) as running:
        running.scheduler_db = scheduler_db
        yield running
