"""Every database engine is bounded: a slow statement, a held lock or a server that never answers
becomes a servicekit error with an actionable message, not a hung request."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from scheduler_adapter.engine import DatabaseTimeouts
from scheduler_adapter.sql_backend import SqlBackend
from servicekit.errors import DeadlineExceeded, Unavailable

# A statement that runs for many seconds on SQLite: a big recursive count.
SLOW_SQLITE = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500000000) "
    "SELECT count(*) FROM n"
)
QUICK = DatabaseTimeouts(connect_s=0.5, statement_s=0.3)


def run_sql(backend: SqlBackend, sql: str) -> object:
    with Session(backend.engine) as session, session.begin():
        result = session.execute(text(sql))
        return result.scalar() if result.returns_rows else None


async def test_sqlite_statement_past_its_deadline_is_stopped(tmp_path: Path) -> None:
    backend = SqlBackend.open(f"sqlite+pysqlite:///{tmp_path / 's.db'}", timeouts=QUICK)
    try:
        with pytest.raises(DeadlineExceeded, match=r"ran past 0.3 s and was stopped"):
            await backend.run(run_sql, backend, SLOW_SQLITE)
        # The connection is usable afterwards: the deadline was per statement.
        assert await backend.run(run_sql, backend, "SELECT 41 + 1") == 42
    finally:
        backend.close()


async def test_sqlite_write_lock_held_elsewhere_is_unavailable_after_the_busy_timeout(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    backend = SqlBackend.open(f"sqlite+pysqlite:///{path}", timeouts=QUICK)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with pytest.raises(Unavailable, match=r"stayed locked by another writer for 0\.5 s"):
            await backend.run(run_sql, backend, "INSERT INTO schema_version (version) VALUES (99)")
        other.execute("ROLLBACK")
        await backend.run(run_sql, backend, "INSERT INTO schema_version (version) VALUES (99)")
    finally:
        other.close()
        backend.close()


@pytest.mark.postgres
async def test_postgres_statement_timeout(postgres_url: str) -> None:
    backend = SqlBackend.open(postgres_url, timeouts=QUICK)
    try:
        with pytest.raises(DeadlineExceeded, match="nothing was changed"):
            await backend.run(run_sql, backend, "SELECT pg_sleep(5)")
        assert await backend.run(run_sql, backend, "SELECT 42") == 42
    finally:
        backend.close()


@pytest.mark.postgres
async def test_postgres_lock_held_elsewhere_is_unavailable(postgres_url: str) -> None:
    backend = SqlBackend.open(postgres_url, timeouts=DatabaseTimeouts(connect_s=0.3))
    holder = backend.engine.connect()
    try:
        transaction = holder.begin()
        holder.execute(text("LOCK TABLE schema_version IN ACCESS EXCLUSIVE MODE"))
        with pytest.raises(Unavailable, match="locked by another writer"):
            await backend.run(run_sql, backend, "SELECT count(*) FROM schema_version")
        transaction.rollback()
    finally:
        holder.close()
        backend.close()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word (a hung database)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


async def test_postgres_that_never_answers_is_unavailable_after_the_connect_timeout(
    silent_server: int,
) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{silent_server}/frontdesk"
    with pytest.raises(Unavailable, match="unreachable"):
        # Opening creates the schema: the first statement needs a connection.
        SqlBackend.open(url, timeouts=DatabaseTimeouts(connect_s=2, statement_s=1))
