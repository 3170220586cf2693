"""The leak detector's I/O: a durable JetStream consumer on ``frontdesk.events.>`` and a tailer of
JSON-lines log files, both feeding :mod:`phi_filter.leak_scan` and reporting what it finds.

    known = SessionKnown(runtime.sessions)
    reporter = LeakReporter(runtime.events, runtime.metrics, version)
    detector = EventLeakDetector(runtime.js, scanner, known, reporter)
    await detector.start()   # ... and await detector.stop() on shutdown

Every leak increments ``frontdesk_phi_leaks_total{origin, entity}``, is published as a
``PhiLeakDetected`` on ``frontdesk.events.phi_leak_detected`` and logged as a warning — each
saying where and which entity, never the value.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from google.protobuf.message import Message
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

import phi
from phi_filter.leak_scan import (
    LEAK_SUBJECT,
    Leak,
    LeakScanner,
    call_id_of,
    decode_event,
    leak_events,
    log_call_id,
)
from servicekit.durable_pull import DurablePull
from servicekit.events import TYPE_HEADER
from servicekit.jetstream import session_key
from servicekit.metrics import Metrics
from servicekit.phi_scrub import known_from_dict

log = logging.getLogger(__name__)

EVENTS_FILTER = "frontdesk.events.>"
DEFAULT_DURABLE = "phi_filter_leak_detector"


class KnownLookup(Protocol):
    async def known(self, call_id: str) -> phi.Known | None: ...


class EventSink(Protocol):
    async def event(self, kind: str, message: Message) -> None: ...


class SessionKnown:
    """What each call knows about its caller, from the orchestrator's KV session, cached briefly
    (a burst of events of one call reads the session once)."""

    def __init__(
        self,
        kv: KeyValue,
        *,
        ttl_s: float = 5.0,
        max_entries: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._kv = kv
        self._ttl = ttl_s
        self._max = max_entries
        self._clock = clock
        self._cache: dict[str, tuple[float, phi.Known | None]] = {}

    async def known(self, call_id: str) -> phi.Known | None:
        if not call_id:
            return None
        now = self._clock()
        hit = self._cache.get(call_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await self._load(call_id)
        if len(self._cache) >= self._max:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            if len(self._cache) >= self._max:
                self._cache.clear()
        self._cache[call_id] = (now + self._ttl, value)
        return value

    async def _load(self, call_id: str) -> phi.Known | None:
        try:
            entry = await self._kv.get(session_key(call_id))
        except KeyNotFoundError:
            return None
        except Exception as error:  # a flaky KV must not stop scanning; we scan without Known
            log.warning("cannot read the session of call %s: %s", call_id, error)
            return None
        if not entry.value:
            return None
        try:
            data = json.loads(entry.value)
        except ValueError:
            log.warning("session of call %s is not JSON; scanning without what it knows", call_id)
            return None
        known = known_from_dict(data.get("known") if isinstance(data, dict) else None)
        return None if known.is_empty() else known


class LeakReporter:
    """Counts, publishes and logs leaks (never their values)."""

    def __init__(
        self,
        events: EventSink,
        metrics: Metrics,
        version: str,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._events = events
        self._metrics = metrics
        self._version = version
        self._clock = clock

    async def report(self, origin: str, call_id: str, leaks: Sequence[Leak]) -> None:
        events = leak_events(origin, call_id, leaks, self._clock())
        for leak, event in zip(leaks, events, strict=True):
            self._metrics.phi_leaks.labels(
                version=self._version, origin=origin, entity=leak.entity
            ).inc()
            log.warning(
                "PHI leak: %s (%s) in %s of %s",
                leak.entity,
                leak.source,
                leak.location,
                origin,
                extra={"call_id": call_id, "origin": origin, "entity": leak.entity},
            )
            try:
                await self._events.event("phi_leak_detected", event)
            except Exception as error:  # the metric and the log line already tell the story
                log.error("cannot publish PhiLeakDetected for %s: %s", origin, error)


class EventLeakDetector:
    """A durable pull consumer on the ``events`` stream: every event is scanned, then acked.

    Replicas share the durable consumer, so each event is scanned once. Events of type
    ``PhiLeakDetected`` (our own reports) are skipped.
    """

    def __init__(
        self,
        js: JetStreamContext,
        scanner: LeakScanner,
        known: KnownLookup,
        reporter: LeakReporter,
        *,
        durable: str = DEFAULT_DURABLE,
        batch: int = 64,
        fetch_timeout_s: float = 1.0,
    ) -> None:
        self._scanner = scanner
        self._known = known
        self._reporter = reporter
        # ALL: a detector started after the other services still scans what they published.
        self._consumer = DurablePull(
            js,
            EVENTS_FILTER,
            durable,
            self._handle,
            name="phi-leak-detector",
            batch=batch,
            fetch_timeout_s=fetch_timeout_s,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=5,
        )
        self.processed = 0  # events scanned (for tests and debugging)

    async def start(self) -> None:
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()

    async def _handle(self, message: Msg) -> None:
        try:
            await self.process(message.subject, message.headers or {}, message.data)
        except Exception:
            # Redelivered later (up to max_deliver): a scan must not be lost to a passing error.
            log.exception("leak scan of an event on %s failed", message.subject)
            with contextlib.suppress(Exception):
                await message.nak(delay=5)
            return
        await message.ack()

    async def process(self, subject: str, headers: dict[str, str], data: bytes) -> list[Leak]:
        """Scans one event and reports its leaks; returns them."""
        if subject == LEAK_SUBJECT:
            return []
        origin = f"events:{subject}"
        decoded = decode_event(headers.get(TYPE_HEADER, ""), data)
        if decoded is None:
            leaks = self._scanner.scan_payload(data)
            call_id = ""
        else:
            call_id = call_id_of(decoded)
            leaks = self._scanner.scan_message(decoded, await self._known.known(call_id))
        self.processed += 1
        if leaks:
            await self._reporter.report(origin, call_id, leaks)
        return leaks


@dataclass
class _Followed:
    path: Path
    inode: int | None = None
    offset: int = 0
    partial: bytes = b""


class LogTailer:
    """Follows JSON-lines log files from their end (like ``tail -F``) and scans each new line.

    Truncation or replacement (log rotation) starts the file again from its beginning; a file
    missing at start is read from its beginning once it appears.
    """

    MAX_LINE = 256 * 1024

    def __init__(
        self,
        paths: Sequence[Path],
        scanner: LeakScanner,
        known: KnownLookup,
        reporter: LeakReporter,
        *,
        poll_s: float = 0.25,
    ) -> None:
        self._files = [_Followed(path) for path in paths]
        self._scanner = scanner
        self._known = known
        self._reporter = reporter
        self._poll = poll_s
        self._task: asyncio.Task[None] | None = None
        self.lines = 0  # lines scanned

    async def start(self) -> None:
        for followed in self._files:
            with contextlib.suppress(FileNotFoundError):
                stat = followed.path.stat()
                followed.inode, followed.offset = stat.st_ino, stat.st_size
        self._task = asyncio.create_task(self._run(), name="phi-log-tailer")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            for followed in self._files:
                try:
                    lines = await asyncio.to_thread(self._read_new, followed)
                    for line in lines:
                        await self.process(followed.path.name, line)
                except Exception:
                    log.exception("scanning log file %s failed", followed.path)
            await asyncio.sleep(self._poll)

    def _read_new(self, followed: _Followed) -> list[str]:
        try:
            stat = followed.path.stat()
        except FileNotFoundError:
            return []
        if stat.st_ino != followed.inode or stat.st_size < followed.offset:
            followed.inode, followed.offset, followed.partial = stat.st_ino, 0, b""
        if stat.st_size == followed.offset:
            return []
        with followed.path.open("rb") as handle:
            handle.seek(followed.offset)
            data = handle.read(stat.st_size - followed.offset)
        followed.offset += len(data)
        *complete, followed.partial = (followed.partial + data).split(b"\n")
        if len(followed.partial) > self.MAX_LINE:  # never hold an endless line in memory
            complete.append(followed.partial)
            followed.partial = b""
        return [raw.decode("utf-8", errors="replace") for raw in complete if raw.strip()]

    async def process(self, file_name: str, line: str) -> list[Leak]:
        """Scans one log line and reports its leaks; returns them."""
        if f'"logger": "{__name__}"' in line:
            return []  # our own leak reports: scanning them again could only loop
        self.lines += 1
        call_id = log_call_id(line)
        leaks = self._scanner.scan_log_line(line, await self._known.known(call_id))
        if leaks:
            await self._reporter.report(f"log:{file_name}", call_id, leaks)
        return leaks


def log_files(setting: str) -> list[Path]:
    """``FRONTDESK_LEAK_SCAN_LOG_FILES``: comma-separated paths (blank entries ignored)."""
    return [Path(os.path.expanduser(part.strip())) for part in setting.split(",") if part.strip()]
