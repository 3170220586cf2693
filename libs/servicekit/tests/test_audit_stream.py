"""The audit chain on a real JetStream: several publishers at once keep one chain per subject,
and `frontdesk audit verify` names an altered, removed or reordered record."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from frontdesk.cli.__main__ import main
from frontdesk.v1 import events_pb2
from servicekit.audit import read_stream, verify_stream
from servicekit.audit_chain import StoredRecord
from servicekit.events import EventPublisher
from servicekit.jetstream import AUDIT_STREAM, ensure_streams
from servicekit.testing import NatsServer

pytestmark = pytest.mark.nats

REPLICAS = 4
PER_REPLICA = 30


@pytest.fixture
async def js(nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    connection = await nats.connect(nats_server.url)
    js = connection.jetstream()
    await ensure_streams(js)
    yield js
    await connection.close()


def record(action: str, call_id: str) -> events_pb2.AuditRecord:
    return events_pb2.AuditRecord(
        actor="scheduler_adapter", action=action, call_id=call_id, result="ok"
    )


async def test_replicas_publishing_at_once_keep_one_chain_per_subject(
    nats_server: NatsServer, js: JetStreamContext
) -> None:
    # Each replica has its own connection and publisher, as separate processes would.
    connections: list[Client] = [await nats.connect(nats_server.url) for _ in range(REPLICAS)]
    publishers = [EventPublisher(c.jetstream()) for c in connections]

    async def replica(n: int, publisher: EventPublisher) -> None:
        for i in range(PER_REPLICA):
            action = "book" if i % 3 else "list_appointments"
            await publisher.audit(record(action, f"r{n}-{i}"))

    try:
        await asyncio.gather(*(replica(n, p) for n, p in enumerate(publishers)))
    finally:
        for connection in connections:
            await connection.close()
    report = await verify_stream(js)
    assert report.intact, [p.describe() for p in report.problems]
    assert report.records == REPLICAS * PER_REPLICA
    heads = {s.subject: s.head.index if s.head else None for s in report.subjects}
    assert heads == {
        "frontdesk.audit.book": REPLICAS * 20 - 1,
        "frontdesk.audit.list_appointments": REPLICAS * 10 - 1,
    }


async def rewrite(js: JetStreamContext, records: list[StoredRecord]) -> None:
    """What an operator with stream admin rights could do: rebuild the stream from records."""
    info = await js.stream_info(AUDIT_STREAM)
    await js.delete_stream(AUDIT_STREAM)
    await js.add_stream(info.config)
    for stored in records:
        await js.publish(stored.subject, stored.data)


async def seeded(js: JetStreamContext) -> list[StoredRecord]:
    publisher = EventPublisher(js)
    for i in range(6):
        await publisher.audit(record("cancel", f"call-{i}"))
    records, _ = await read_stream(js)
    return records


def verify_cli(nats_server: NatsServer, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audit", "verify", "--nats", nats_server.url])
    return code, capsys.readouterr().out


async def test_audit_verify_passes_an_untouched_stream(
    nats_server: NatsServer, js: JetStreamContext, capsys: pytest.CaptureFixture[str]
) -> None:
    await seeded(js)
    code, out = await asyncio.to_thread(verify_cli, nats_server, capsys)
    assert code == 0, out
    assert "frontdesk.audit.cancel: 6 records, head index 5" in out and "chain intact" in out


async def test_audit_verify_names_an_altered_record(
    nats_server: NatsServer, js: JetStreamContext, capsys: pytest.CaptureFixture[str]
) -> None:
    records = await seeded(js)
    altered = events_pb2.AuditRecord()
    altered.ParseFromString(records[3].data)
    altered.result = "denied"
    records[3] = StoredRecord(4, records[3].subject, altered.SerializeToString())
    await rewrite(js, records)
    code, out = await asyncio.to_thread(verify_cli, nats_server, capsys)
    assert code == 1
    assert "ALTERED frontdesk.audit.cancel seq 4 index 3" in out and "call-3" in out
    assert "CHAIN BROKEN" in out


async def test_audit_verify_names_a_removed_record(
    nats_server: NatsServer, js: JetStreamContext, capsys: pytest.CaptureFixture[str]
) -> None:
    await seeded(js)
    await js.delete_msg(AUDIT_STREAM, 3)  # the JetStream API's own way to remove one
    code, out = await asyncio.to_thread(verify_cli, nats_server, capsys)
    assert code == 1
    assert "REMOVED frontdesk.audit.cancel seq 4 index 2: index 2 missing between seq 2" in out


async def test_audit_verify_names_reordered_records(
    nats_server: NatsServer, js: JetStreamContext, capsys: pytest.CaptureFixture[str]
) -> None:
    records = await seeded(js)
    records[1], records[4] = records[4], records[1]
    await rewrite(js, records)
    code, out = await asyncio.to_thread(verify_cli, nats_server, capsys)
    assert code == 1
    assert "REORDERED frontdesk.audit.cancel seq 3 index 2" in out
    assert "REORDERED frontdesk.audit.cancel seq 5 index 1" in out


async def test_publishing_continues_a_chain_written_by_another_process(
    nats_server: NatsServer, js: JetStreamContext
) -> None:
    await seeded(js)
    # A new process (no cached head) reads the subject's last record and chains after it.
    connection = await nats.connect(nats_server.url)
    try:
        await EventPublisher(connection.jetstream()).audit(record("cancel", "call-late"))
    finally:
        await connection.close()
    report = await verify_stream(js)
    assert report.intact and report.subjects[0].head is not None
    assert report.subjects[0].head.index == 6
