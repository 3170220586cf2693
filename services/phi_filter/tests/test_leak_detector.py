"""The leak detector against a real nats-server: JetStream events, the sessions KV, log files."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from frontdesk.v1 import events_pb2
from phi_filter.leak_detector import (
    EventLeakDetector,
    LeakReporter,
    LogTailer,
    SessionKnown,
    log_files,
)
from phi_filter.leak_scan import LeakScanner
from servicekit.events import EventPublisher
from servicekit.jetstream import ensure_streams, session_key
from servicekit.metrics import Metrics
from servicekit.testing import NatsServer

pytestmark = pytest.mark.nats

RAW = "hi this is Maria Lopez, born March 3 1980, call me back at 555-012-3456"
RAW_VALUES = (b"Maria", b"Lopez", b"1980", b"555-012-3456", b"012-3456")
TURNS = "events:frontdesk.events.turn_completed"


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@dataclass
class Bus:
    nc: Client
    js: JetStreamContext
    kv: KeyValue
    metrics: Metrics
    reports: list[tuple[Msg, events_pb2.PhiLeakDetected]]

    def leaks(self, origin: str, entity: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "frontdesk_phi_leaks_total", {"version": "v-test", "origin": origin, "entity": entity}
        )
        return value or 0.0

    def reporter(self) -> LeakReporter:
        return LeakReporter(EventPublisher(self.js), self.metrics, "v-test")


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    kv = await ensure_streams(js)
    reports: list[tuple[Msg, events_pb2.PhiLeakDetected]] = []

    async def on_report(msg: Msg) -> None:
        reports.append((msg, events_pb2.PhiLeakDetected.FromString(msg.data)))

    await nc.subscribe("frontdesk.events.phi_leak_detected", cb=on_report)
    yield Bus(nc, js, kv, Metrics.create(), reports)
    await nc.close()


@pytest.fixture
async def detector(bus: Bus, scanner: LeakScanner) -> AsyncIterator[EventLeakDetector]:
    detector = EventLeakDetector(
        bus.js, scanner, SessionKnown(bus.kv), bus.reporter(), fetch_timeout_s=0.2
    )
    await detector.start()
    yield detector
    await detector.stop()


def turn(call_id: str, caller_text: str) -> events_pb2.TurnCompleted:
    return events_pb2.TurnCompleted(
        call_id=call_id, turn_id="t-1", caller_text=caller_text, reply_text="Let me check."
    )


async def test_only_the_unscrubbed_event_is_a_leak(
    bus: Bus, detector: EventLeakDetector, scrub: Callable[[str], str]
) -> None:
    await EventPublisher(bus.js, scrub).event("turn_completed", turn("call-clean", RAW))
    await EventPublisher(bus.js).event("turn_completed", turn("call-dirty", RAW))
    await eventually(lambda: detector.processed >= 2 and len(bus.reports) >= 3)
    await asyncio.sleep(0.3)  # anything else would have arrived by now

    for entity in ("NAME", "DATE", "PHONE"):
        assert bus.leaks(TURNS, entity) >= 1, entity
    total = sum(bus.leaks(TURNS, e) for e in ("NAME", "DATE", "PHONE", "AGE", "ID"))
    assert total == len(bus.reports)
    assert {report.call_id for _, report in bus.reports} == {"call-dirty"}
    for msg, report in bus.reports:
        assert report.origin == TURNS
        assert report.location == "caller_text"
        assert report.time.seconds > 0
        assert msg.headers and msg.headers["Frontdesk-Type"] == "frontdesk.v1.PhiLeakDetected"
        for value in RAW_VALUES:
            assert value not in msg.data
    # Our own reports came back through the consumer and were skipped, not scanned.
    assert detector.processed == 2


async def test_events_are_acked_after_processing(
    bus: Bus, detector: EventLeakDetector, scanner: LeakScanner
) -> None:
    await EventPublisher(bus.js).event("turn_completed", turn("call-1", RAW))
    await eventually(lambda: detector.processed == 1 and len(bus.reports) > 0)
    await detector.stop()
    info = await bus.js.consumer_info("events", "phi_filter_leak_detector")
    assert info.num_ack_pending == 0
    assert info.num_pending == 0

    # The durable consumer resumes where it stopped: nothing is scanned twice.
    again = EventLeakDetector(
        bus.js, scanner, SessionKnown(bus.kv), bus.reporter(), fetch_timeout_s=0.2
    )
    await again.start()
    try:
        await EventPublisher(bus.js).event("turn_completed", turn("call-2", "all good here"))
        await eventually(lambda: again.processed >= 1)
        await asyncio.sleep(0.3)
        assert again.processed == 1
    finally:
        await again.stop()


async def test_known_from_the_session_catches_a_bare_first_name(
    bus: Bus, detector: EventLeakDetector, scrub: Callable[[str], str]
) -> None:
    text = "maria will call back tomorrow"
    assert scrub(text) == text  # the scrubber alone cannot know "maria" is the caller
    odd_id = "call/with spaces"
    session = {"call_id": odd_id, "known": {"names": ["Maria Lopez"], "date_of_birth": ["bad"]}}
    await bus.kv.put(session_key(odd_id), json.dumps(session).encode())
    assert session_key(odd_id).startswith("h-")

    events = EventPublisher(bus.js, scrub)
    await events.event("turn_completed", turn("call-without-session", text))
    await events.event("turn_completed", turn(odd_id, text))
    await eventually(lambda: detector.processed >= 2 and len(bus.reports) >= 1)
    await asyncio.sleep(0.3)

    assert [(r.call_id, r.entity, r.location) for _, r in bus.reports] == [
        (odd_id, "NAME", "caller_text")
    ]
    assert bus.leaks(TURNS, "NAME") == 1


async def test_an_unknown_event_type_is_scanned_as_text(
    bus: Bus, detector: EventLeakDetector
) -> None:
    await bus.js.publish("frontdesk.events.custom", b"caller phone 555-012-3456")
    await eventually(lambda: len(bus.reports) >= 1)
    ((_, report),) = bus.reports
    assert (report.origin, report.location, report.entity) == (
        "events:frontdesk.events.custom",
        "payload",
        "PHONE",
    )
    assert bus.leaks("events:frontdesk.events.custom", "PHONE") == 1


async def test_session_known_is_cached_briefly(bus: Bus) -> None:
    now = [100.0]
    known = SessionKnown(bus.kv, ttl_s=5.0, clock=lambda: now[0])
    assert await known.known("call-c") is None
    await bus.kv.put("call-c", json.dumps({"known": {"names": ["Maria Lopez"]}}).encode())
    assert await known.known("call-c") is None  # still the cached miss
    now[0] += 6.0
    found = await known.known("call-c")
    assert found is not None and found.names == ("Maria Lopez",)
    assert await known.known("") is None


async def _write(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


async def test_log_tailer_follows_appends_from_the_end(
    bus: Bus, scanner: LeakScanner, tmp_path: Path
) -> None:
    log = tmp_path / "gateway.log"
    old = {"level": "info", "message": "old line from Maria Lopez, 555-012-3456"}
    log.write_text(json.dumps(old) + "\n")
    tailer = LogTailer([log], scanner, SessionKnown(bus.kv), bus.reporter(), poll_s=0.02)
    await tailer.start()
    try:
        line = {
            "time": "2025-03-10T14:00:00.000+00:00",
            "level": "warning",
            "message": "caller number is 555-012-3456",
            "call_id": "call-log",
        }
        await _write(log, json.dumps({"level": "info", "message": "all quiet"}) + "\n")
        await _write(log, json.dumps(line) + "\n" + '{"message": "split: born March 3')
        await eventually(lambda: len(bus.reports) >= 1)
        await asyncio.sleep(0.1)
        assert [(r.origin, r.location, r.entity, r.call_id) for _, r in bus.reports] == [
            ("log:gateway.log", "message", "PHONE", "call-log")
        ]
        assert tailer.lines == 2  # the old line was never read; the partial one not yet

        await _write(log, ' 1980"}\n')  # the partial line completes
        await eventually(lambda: len(bus.reports) >= 2)
        assert bus.reports[1][1].entity == "DATE"

        log.write_text("")  # rotated by truncation: the new content is read from the start
        await asyncio.sleep(0.1)
        await _write(log, "plain text: email maria.lopez@example.com\n")
        await eventually(lambda: len(bus.reports) >= 3)
        assert (bus.reports[2][1].location, bus.reports[2][1].entity) == ("line", "EMAIL")
        assert bus.leaks("log:gateway.log", "PHONE") == 1
        for msg, _ in bus.reports:
            for value in (*RAW_VALUES, b"maria.lopez"):
                assert value not in msg.data
    finally:
        await tailer.stop()


async def test_log_tailer_reads_a_file_created_after_start(
    bus: Bus, scanner: LeakScanner, tmp_path: Path
) -> None:
    log = tmp_path / "late.log"
    tailer = LogTailer([log], scanner, SessionKnown(bus.kv), bus.reporter(), poll_s=0.02)
    await tailer.start()
    try:
        await asyncio.sleep(0.05)
        log.write_text(json.dumps({"message": "my name is Maria Lopez"}) + "\n")
        await eventually(lambda: len(bus.reports) >= 1)
        assert bus.reports[0][1].origin == "log:late.log"
    finally:
        await tailer.stop()


def test_log_files_setting() -> None:
    assert log_files("") == []
    assert log_files(" /var/log/a.log, ,b.log ") == [Path("/var/log/a.log"), Path("b.log")]
