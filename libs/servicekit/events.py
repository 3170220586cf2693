"""Publishing events and audit records on JetStream, scrubbed first.

publisher = EventPublisher(js, scrub)
await publisher.event("call_completed", CallCompleted(...))   # frontdesk.events.call_completed
await publisher.event("call_completed", ..., msg_id="call_completed:CA1")   # deduplicated
await publisher.audit(AuditRecord(action="book", ...))         # frontdesk.audit.book

Audit records are hash-chained per subject (``servicekit.audit``).
"""

from __future__ import annotations

from google.protobuf.message import Message
from nats.js import JetStreamContext
from opentelemetry import propagate

from frontdesk.v1 import events_pb2
from servicekit.audit import AuditChainPublisher
from servicekit.scrub import Scrubber, no_scrub, scrub_message

TYPE_HEADER = "Frontdesk-Type"
MSG_ID_HEADER = "Nats-Msg-Id"


class EventPublisher:
    """Publishes protobuf events; every free-text field passes the scrubber before it leaves."""

    def __init__(self, js: JetStreamContext, scrub: Scrubber = no_scrub) -> None:
        self._js = js
        self._scrub = scrub
        self._audit_chain = AuditChainPublisher(js)

    async def _publish(self, subject: str, message: Message, msg_id: str = "") -> None:
        clean = scrub_message(message, self._scrub)
        headers = {TYPE_HEADER: message.DESCRIPTOR.full_name}
        if msg_id:
            # JetStream keeps one message per id within the stream's duplicate window.
            headers[MSG_ID_HEADER] = msg_id
        propagate.inject(headers)  # the event joins the trace of the turn that caused it
        if isinstance(clean, events_pb2.AuditRecord):
            # Chained after scrubbing: the hash covers exactly what is stored.
            await self._audit_chain.publish(subject, clean, headers)
            return
        await self._js.publish(subject, clean.SerializeToString(), headers=headers)

    async def event(self, kind: str, message: Message, *, msg_id: str = "") -> None:
        """Publishes on ``frontdesk.events.<kind>`` (stream ``events``); ``msg_id`` makes a
        second publish of the same event (a retry, two replicas ending one call) a no-op
        within the stream's duplicate window (two minutes by default)."""
        await self._publish(f"frontdesk.events.{kind}", message, msg_id)

    async def audit(self, message: Message, action: str = "") -> None:
        """Publishes an audit record on ``frontdesk.audit.<action>`` (stream ``audit``)."""
        action = action or str(getattr(message, "action", "") or "record")
        await self._publish(f"frontdesk.audit.{action}", message)
