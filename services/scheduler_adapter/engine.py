"""SQLAlchemy engines for the scheduler, with connect and statement timeouts on every engine.

A database that stops answering must cost a caller one bounded wait, never a hung turn::

    engine = make_engine(url, DatabaseTimeouts(connect_s=5, statement_s=5))

* PostgreSQL (psycopg 3): ``connect_timeout`` for the connection, ``statement_timeout`` and
  ``lock_timeout`` set per session, and the pool's wait for a free connection;
* SQLite: the busy timeout (how long a writer waits for the file lock), and a statement
  deadline enforced through SQLite's progress handler, which interrupts a statement that runs
  past it (SQLite has no statement timeout of its own).

``database_error`` turns the driver's timeout and connection errors into ``servicekit`` errors
with a message a person can act on; anything else is re-raised as it was.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import StaticPool

from servicekit.errors import DeadlineExceeded, ServiceError, Unavailable

# How many SQLite virtual-machine instructions run between two deadline checks: small enough
# to stop within a millisecond or so, large enough to cost nothing measurable.
_SQLITE_PROGRESS_STEPS = 10_000


@dataclass(frozen=True)
class DatabaseTimeouts:
    """Bounds, in seconds, on every database the scheduler opens.

    Args:
        connect_s: opening a connection (PostgreSQL), waiting for a pooled one, and waiting
            for SQLite's write lock.
        statement_s: one statement's run time; 0 disables the bound.
    """

    connect_s: float = 5.0
    statement_s: float = 5.0

    def __post_init__(self) -> None:
        if self.connect_s <= 0:
            raise ValueError("connect_s must be positive")
        if self.statement_s < 0:
            raise ValueError("statement_s must not be negative")


def make_engine(url: str, timeouts: DatabaseTimeouts | None = None) -> Engine:
    """An engine for ``url``: SQLite (file or ``:memory:``) or PostgreSQL (psycopg 3)."""
    timeouts = timeouts or DatabaseTimeouts()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs: dict[str, Any] = {
            # sqlite3's ``timeout`` is the busy timeout.
            "connect_args": {"check_same_thread": False, "timeout": timeouts.connect_s}
        }
        if parsed.database in (None, "", ":memory:"):
            # One shared connection, or every new connection would see an empty database.
            kwargs["poolclass"] = StaticPool
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_foreign_keys)
        if timeouts.statement_s:
            _sqlite_statement_deadline(engine, timeouts.statement_s)
        return engine
    options = f"-c lock_timeout={int(timeouts.connect_s * 1000)}"
    if timeouts.statement_s:
        options += f" -c statement_timeout={int(timeouts.statement_s * 1000)}"
    return create_engine(
        parsed,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=timeouts.connect_s,
        # libpq wants whole seconds, at least 2 (it treats 1 as 2).
        connect_args={"connect_timeout": max(2, round(timeouts.connect_s)), "options": options},
    )


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Write-ahead log for files: a commit is one append and one fsync instead of the rollback
    # journal's several (holds, bookings and proofs each commit); synchronous stays FULL, so a
    # commit that returned survives a power cut. An in-memory database keeps its own journal.
    cursor.execute("PRAGMA database_list")
    files = [row[2] for row in cursor.fetchall() if row[1] == "main"]
    if files and files[0]:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_statement_deadline(engine: Engine, seconds: float) -> None:
    """Interrupts any statement on ``engine`` that runs longer than ``seconds``."""

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        record.info["deadline"] = None

        def past_deadline() -> int:
            deadline = record.info.get("deadline")
            return 1 if deadline is not None and time.monotonic() > deadline else 0

        dbapi_connection.set_progress_handler(past_deadline, _SQLITE_PROGRESS_STEPS)

    def before(conn: Any, *_args: Any) -> None:
        conn.connection._connection_record.info["deadline"] = time.monotonic() + seconds

    def after(conn: Any, *_args: Any) -> None:
        conn.connection._connection_record.info["deadline"] = None

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)


def database_error(error: Exception, timeouts: DatabaseTimeouts) -> ServiceError | None:
    """The servicekit error for a database timeout or lost connection; None for anything else."""
    if isinstance(error, PoolTimeout):
        return Unavailable(
            f"no scheduler database connection came free within {timeouts.connect_s:g} s; "
            "the database is overloaded, try again shortly"
        )
    if not isinstance(error, DBAPIError):
        return None
    text = str(error.orig).lower()
    if "statement timeout" in text or "interrupted" in text:
        return DeadlineExceeded(
            f"a scheduler database statement ran past {timeouts.statement_s:g} s and was "
            "stopped; nothing was changed, try again"
        )
    if "lock timeout" in text or "database is locked" in text:
        return Unavailable(
            "the scheduler database stayed locked by another writer for "
            f"{timeouts.connect_s:g} s; nothing was changed, try again"
        )
    if isinstance(error, OperationalError) or error.connection_invalidated:
        return Unavailable(
            "the scheduler database is unreachable; nothing was changed, try again shortly"
        )
    return None
