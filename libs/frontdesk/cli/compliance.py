"""``frontdesk compliance report --month YYYY-MM --out FILE.html``: reads the ``audit`` and
``events`` streams and writes the month's report (``controlplane.compliance``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import nats
from google.protobuf.message import DecodeError, Message
from nats.js.errors import NotFoundError

from controlplane.compliance import Month, render, summarise
from frontdesk.v1 import events_pb2
from servicekit.audit import read_stream
from servicekit.audit_chain import verify
from servicekit.jetstream import AUDIT_STREAM, EVENTS_STREAM, EVENTS_SUBJECTS

# The events the report reads, by subject.
_EVENT_TYPES: dict[str, type[Message]] = {
    "frontdesk.events.turn_completed": events_pb2.TurnCompleted,
    "frontdesk.events.handoff_created": events_pb2.HandoffCreated,
    "frontdesk.events.phi_leak_detected": events_pb2.PhiLeakDetected,
}


async def report_command(
    nats_url: str, month_text: str, out: Path, *, options: Mapping[str, str] | None = None
) -> int:
    try:
        month = Month.parse(month_text)
    except ValueError as error:
        print(f"error: {error}")
        return 2
    try:
        connection = await nats.connect(
            nats_url, connect_timeout=5, max_reconnect_attempts=0, **dict(options or {})
        )
    except Exception as error:  # nats-py raises several unrelated types for "cannot connect"
        print(f"error: cannot connect to NATS at {nats_url}: {error}")
        return 2
    try:
        js = connection.jetstream()
        try:
            audit_stored, trimmed = await read_stream(js, AUDIT_STREAM)
            event_stored, _ = await read_stream(js, EVENTS_STREAM, EVENTS_SUBJECTS)
        except NotFoundError:
            print(f"error: NATS at {nats_url} has no audit or events stream")
            return 2
    finally:
        await connection.close()
    audit = []
    for stored in audit_stored:
        record = events_pb2.AuditRecord()
        try:
            record.ParseFromString(stored.data)
        except DecodeError:
            continue  # the chain section names it
        audit.append(record)
    events: list[Message] = []
    for stored in event_stored:
        kind = _EVENT_TYPES.get(stored.subject)
        if kind is None:
            continue
        event = kind()
        try:
            event.ParseFromString(stored.data)
        except DecodeError:
            continue
        events.append(event)
    summary = summarise(month, audit, events, verify(audit_stored, trimmed=trimmed))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(summary), encoding="utf-8")
    print(
        f"wrote {out}: {summary.accesses} PHI accesses, "
        f"{sum(summary.leaks_by_entity.values())} leaks, "
        f"audit chain {'intact' if summary.chain.intact else 'BROKEN'}"
    )
    return 0
