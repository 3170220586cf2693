"""A local Unleash server (npm ``unleash-server``, pinned in ``deploy/local/unleash/``) on a
PostgreSQL database: for tests and local runs. No test framework needed::

    install_unleash()                       # npm ci, once (./dev does it too)
    server = UnleashServer.start("postgres://postgres@127.0.0.1:5432/unleash_x")
    server.url, server.admin_token, server.client_token
    server.stop(); server.restart()          # same port, same database
    server.close()

The admin token drives the admin API (``frontdesk flags sync``); the client token is what
services' SDKs present (environment ``development``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from servicekit.localnats import free_port
from servicekit.settings import PROJECT_ROOT

UNLEASH_DIR = PROJECT_ROOT / "deploy" / "local" / "unleash"
DEFAULT_ENVIRONMENT = "development"
# Seconds to wait for /health. A fresh database is migrated first: ~15 s on an idle 2-core
# machine, minutes when it is saturated; a restart on a migrated database takes 2-4 s.
START_TIMEOUT = 300.0


def install_unleash(folder: Path = UNLEASH_DIR) -> Path:
    """``npm ci`` in ``folder`` unless its ``node_modules`` is already newer than the lockfile.

    Returns the server script. Raises RuntimeError with what to install when node/npm is missing.
    """
    npm = shutil.which("npm")
    node = shutil.which("node")
    if npm is None or node is None:
        raise RuntimeError("the local Unleash server needs Node.js 20+ and npm on PATH")
    marker = folder / "node_modules" / ".package-lock.json"
    lock = folder / "package-lock.json"
    if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return folder / "server.js"


def node_url(database_url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://…``) in the form node-postgres reads."""
    scheme, rest = database_url.split("://", 1)
    if not scheme.startswith("postgres"):
        raise ValueError(f"Unleash needs PostgreSQL, not {scheme}")
    return f"postgres://{rest}"


@dataclass
class UnleashServer:
    """A running ``unleash-server`` process with an admin and a client API token."""

    database_url: str
    port: int
    environment: str = DEFAULT_ENVIRONMENT
    admin_token: str = field(default_factory=lambda: f"*:*.{secrets.token_hex(16)}")
    client_token: str = ""
    process: subprocess.Popen[bytes] | None = None
    log_file: Path | None = None

    def __post_init__(self) -> None:
        if not self.client_token:
            self.client_token = f"*:{self.environment}.{secrets.token_hex(16)}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The API URL SDKs and the admin client take (``…/api``)."""
        return f"{self.base_url}/api"

    @classmethod
    def start(
        cls,
        database_url: str,
        *,
        port: int = 0,
        log_file: Path | None = None,
        timeout: float = START_TIMEOUT,
    ) -> UnleashServer:
        server = cls(node_url(database_url), port or free_port(), log_file=log_file)
        server.restart(timeout)
        return server

    def restart(self, timeout: float = START_TIMEOUT) -> None:
        """Starts the process (again, on the same port and database) and waits until healthy."""
        if self.process is not None and self.process.poll() is None:
            return
        script = install_unleash()
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "UNLEASH_PORT": str(self.port),
            "UNLEASH_ADMIN_TOKEN": self.admin_token,
            "UNLEASH_CLIENT_TOKENS": self.client_token,
            "NODE_ENV": "production",
        }
        output = self.log_file.open("ab") if self.log_file else subprocess.DEVNULL
        self.process = subprocess.Popen(
            ["node", str(script)], cwd=script.parent, env=env, stdout=output, stderr=output
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"unleash-server exited with {self.process.returncode}"
                    + (f"; see {self.log_file}" if self.log_file else "")
                )
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"unleash-server not healthy on port {self.port} after {timeout} s")

    def stop(self) -> None:
        """Stops the process; the database stays, so :meth:`restart` brings the same state back."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def pause(self) -> None:
        """Freezes the process (SIGSTOP): connections are still accepted, nothing answers, as
        when a server hangs. :meth:`resume` thaws it."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)

    close = stop
