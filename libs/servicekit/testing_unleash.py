"""A real Unleash server for tests, as a pytest plugin (the root conftest loads it): one per
session on a fresh PostgreSQL database, stopped and the database dropped afterwards. Tests that
change flags use their own flag names or put back what they changed.

    def test_x(unleash_server: UnleashServer) -> None:
        admin = UnleashAdmin(unleash_server.url, unleash_server.admin_token)
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from servicekit.localunleash import UnleashServer
from servicekit.testing import PostgresDatabase

__all__ = ["unleash_server"]


@pytest.fixture(scope="session")
def unleash_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UnleashServer]:
    """``unleash-server`` on its own database; ``.url``, ``.admin_token``, ``.client_token``."""
    try:
        database = PostgresDatabase.create()
    except Exception as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unavailable: {error}")
    log_file = tmp_path_factory.mktemp("unleash") / "unleash.log"
    try:
        server = UnleashServer.start(database.url, log_file=log_file)
    except Exception:
        database.drop()
        raise
    try:
        yield server
    finally:
        server.stop()
        database.drop()
