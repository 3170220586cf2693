"""The stack for end-to-end tests: a real nats-server and the six services on real ports,
with the scheduler on SQLite or on PostgreSQL. NATS runs the generated users and permissions
(one user per service), so every scenario also proves each service's permission table is
enough for what it does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from servicekit.testing import DevCredentials, PostgresDatabase, SecuredNats, start_secured_nats

from .stack import Stack

SCENARIOS = Path(__file__).parent / "scenarios"


@pytest.fixture(scope="module")
def module_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredNats]:
    secured = start_secured_nats(DevCredentials.ensure(tmp_path_factory.mktemp("nats-secrets")))
    try:
        yield secured
    finally:
        secured.server.stop()


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
    module_nats: SecuredNats, scheduler_db: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    async with Stack.start(
        module_nats.url,
        state_dir=tmp_path_factory.mktemp("stack"),
        scheduler_db=scheduler_db,
        nats_users=module_nats.credentials,
    ) as running:
        running.scheduler_db = scheduler_db
        yield running
