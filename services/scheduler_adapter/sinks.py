"""Where the scheduler sends audit records and events, as Protocols the lead wires to NATS.

``AuditSink.record`` goes to the ``audit`` stream (subject ``frontdesk.audit.<record.action>``);
``EventSink.publish`` to the ``events`` stream (subject ``frontdesk.events.<kind>``). The
in-memory recorders keep what they are given, for tests and for running without NATS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from google.protobuf.message import Message

from frontdesk.v1 import events_pb2


class AuditSink(Protocol):
    async def record(self, record: events_pb2.AuditRecord) -> None:
        """Stores one audit record durably (before the request is answered)."""
        ...


class EventSink(Protocol):
    async def publish(self, kind: str, event: Message) -> None:
        """Publishes ``event`` as ``frontdesk.events.<kind>``, e.g. kind "appointment_changed"."""
        ...


@dataclass
class RecordingAuditSink:
    """Keeps every audit record in ``records``."""

    records: list[events_pb2.AuditRecord] = field(default_factory=list)

    async def record(self, record: events_pb2.AuditRecord) -> None:
        copy = events_pb2.AuditRecord()
        copy.CopyFrom(record)
        self.records.append(copy)


@dataclass
class RecordingEventSink:
    """Keeps every (kind, event) pair in ``events``."""

    events: list[tuple[str, Message]] = field(default_factory=list)

    async def publish(self, kind: str, event: Message) -> None:
        self.events.append((kind, event))
