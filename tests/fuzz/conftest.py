"""The whole stack for the fuzz suite, run on an event loop in a background thread so that
hypothesis (synchronous) can drive it with blocking gRPC calls."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from servicekit.testing import NatsServer
from tests.e2e.stack import Stack


@contextlib.contextmanager
def running_stack(state_dir: Any) -> Iterator[Stack]:
    nats = NatsServer.start()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fuzz-stack", daemon=True)
    thread.start()
    manager = Stack.start(
        nats.url,
        state_dir=state_dir,
        scheduler_db=f"sqlite+pysqlite:///{state_dir / 'scheduler.db'}",
    )
    try:
        stack = asyncio.run_coroutine_threadsafe(manager.__aenter__(), loop).result(120)
        stack.scheduler_db = f"sqlite+pysqlite:///{state_dir / 'scheduler.db'}"
        try:
            yield stack
        finally:
            asyncio.run_coroutine_threadsafe(manager.__aexit__(None, None, None), loop).result(120)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        nats.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("fuzz")) as started:
        yield started
