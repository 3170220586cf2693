"""The Handoff servicer: protobuf in, domain calls, protobuf out.

Construct it with its dependencies (``factory.build_handoff_servicer`` does this from a database
URL)::

    servicer = HandoffServicer(
        store=HandoffStore.open(url),
        clinics=ClinicDirectory.from_folder(Path("deploy/local/clinics")),
        events=runtime.events,           # anything with ``async event(kind, message)``
        redact=runtime.scrub,            # str -> str (or -> awaitable str); identity by default
        check_patient=SchedulerPatientCheck(runtime.bus),  # packet.patient_id needs the proof
    )

Methods never touch ``context`` (NATS passes its own stand-in, tests pass None); failures
are raised as ``servicekit.errors`` exceptions. The packet returned to agents carries the
caller's details; the ``HandoffCreated`` event carries ids, reason, urgency, completeness and
the summary passed through ``redact``, nothing else.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from google.protobuf.message import Message

from clinic import Clinic, ClinicDirectory, ClinicNotFound
from frontdesk.v1 import common_pb2, handoff_pb2, handoff_pb2_grpc
from handoff import convert
from handoff.fanout import WatchHub
from handoff.packet import Packet, Reason, State
from handoff.patient_check import PatientCheck, never_proven
from handoff.routing import route
from handoff.store import HandoffStore
from servicekit.errors import InvalidArgument

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
DEFAULT_LIST_STATES = (State.OPEN, State.CALLBACK)

# The event kind: published on subject frontdesk.events.handoff_created.
HANDOFF_CREATED = "handoff_created"

# Redacts a text for publication; it gets the packet so it can redact the caller's own details
# (name, callback number) exactly, however they appear in the text.
Redactor = Callable[[str, "Packet"], "str | Awaitable[str]"]


class EventSink(Protocol):
    """Publishes an event on ``frontdesk.events.<kind>``; ``servicekit.EventPublisher``
    (``runtime.events``) fits as is."""

    async def event(self, kind: str, message: Message) -> None: ...


def no_redaction(text: str, packet: Packet | None = None) -> str:
    """The default redactor: text unchanged (the PHI filter replaces it)."""
    return text


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


def _pick(field: str, from_packet: str, from_context: str) -> str:
    """The packet's value, else the call context's; both set and different is an error."""
    if from_packet and from_context and from_packet != from_context:
        raise InvalidArgument(
            f"packet.{field} {from_packet!r} differs from context.{field} {from_context!r}"
        )
    return from_packet or from_context


class HandoffServicer(handoff_pb2_grpc.HandoffServicer):
    """Implements ``frontdesk.v1.Handoff``; see the module docstring."""

    def __init__(
        self,
        *,
        store: HandoffStore,
        clinics: ClinicDirectory,
        events: EventSink,
        hub: WatchHub | None = None,
        redact: Redactor = no_redaction,
        clock: Callable[[], datetime] = _utc_now,
        new_id: Callable[[], str] = _new_id,
        check_patient: PatientCheck = never_proven,
    ) -> None:
        self._store = store
        self._check_patient = check_patient
        self._clinics = clinics
        self._events = events
        self._hub = hub if hub is not None else WatchHub()
        self._redact = redact
        self._clock = clock
        self._new_id = new_id

    @property
    def store(self) -> HandoffStore:
        return self._store

    @property
    def hub(self) -> WatchHub:
        """The watcher fan-out (close it on shutdown to end open Watch streams)."""
        return self._hub

    # --- unary methods -------------------------------------------------------------------

    async def Create(
        self, request: handoff_pb2.CreateHandoffRequest, context: Any
    ) -> handoff_pb2.CreateHandoffResponse:
        draft = convert.packet_from_proto(request.packet)
        call_id = _pick("call_id", draft.call_id, request.context.call_id.strip())
        if not call_id:
            raise InvalidArgument("packet.call_id is required (or context.call_id)")
        if draft.reason is Reason.UNSPECIFIED:
            raise InvalidArgument("packet.reason is required: why is the call handed over?")
        clinic = self._clinic(_pick("clinic_id", draft.clinic_id, request.context.clinic_id))
        # The patient link and "identity verified" only with the call's proof for that patient
        # (PermissionDenied when it does not prove it; dropped when it cannot be checked now).
        proven = bool(draft.patient_id) and await self._check_patient(
            common_pb2.CallContext(
                call_id=call_id,
                clinic_id=clinic.id,
                actor="handoff",
                verification_proof=request.context.verification_proof,
            ),
            draft.patient_id,
        )
        draft = dataclasses.replace(
            draft,
            patient_id=draft.patient_id if proven else "",
            identity_verified=proven,
        )

        now = self._clock()
        where = route(draft.reason, draft.urgency, clinic, now)
        packet = dataclasses.replace(
            draft,
            handoff_id=self._new_id(),
            call_id=call_id,
            clinic_id=clinic.id,
            state=where.state,
            target=where.target,
            create_time=now,
        )
        stored, created = await asyncio.to_thread(
            self._store.create, packet, request.idempotency_key.strip()
        )
        if created:
            self._hub.publish(stored)
            await self._publish_created(stored)
        message = convert.packet_to_proto(stored)
        return handoff_pb2.CreateHandoffResponse(packet=message, target=message.target)

    async def Get(
        self, request: handoff_pb2.GetHandoffRequest, context: Any
    ) -> handoff_pb2.HandoffPacket:
        handoff_id = _required(request.handoff_id, "handoff_id")
        packet = await asyncio.to_thread(self._store.get, handoff_id)
        return convert.packet_to_proto(packet)

    async def List(
        self, request: handoff_pb2.ListHandoffsRequest, context: Any
    ) -> handoff_pb2.ListHandoffsResponse:
        if request.page_size < 0:
            raise InvalidArgument(f"page_size {request.page_size} must not be negative")
        limit = min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        states = (
            {convert.state_from_proto(s) for s in request.states}
            if request.states
            else set(DEFAULT_LIST_STATES)
        )
        packets = await asyncio.to_thread(
            lambda: self._store.list(
                clinic_id=request.clinic_id.strip(), states=states, limit=limit
            )
        )
        return handoff_pb2.ListHandoffsResponse(
            handoffs=[convert.packet_to_proto(p) for p in packets]
        )

    async def Claim(
        self, request: handoff_pb2.ClaimHandoffRequest, context: Any
    ) -> handoff_pb2.HandoffPacket:
        handoff_id = _required(request.handoff_id, "handoff_id")
        agent_id = _required(request.agent_id, "agent_id")
        packet = await asyncio.to_thread(self._store.claim, handoff_id, agent_id, self._clock())
        return convert.packet_to_proto(packet)

    async def Resolve(
        self, request: handoff_pb2.ResolveHandoffRequest, context: Any
    ) -> handoff_pb2.HandoffPacket:
        handoff_id = _required(request.handoff_id, "handoff_id")
        agent_id = _required(request.agent_id, "agent_id")
        packet = await asyncio.to_thread(
            self._store.resolve,
            handoff_id,
            agent_id,
            request.resolution.strip(),
            self._clock(),
        )
        return convert.packet_to_proto(packet)

    # --- streaming -----------------------------------------------------------------------

    async def Watch(  # type: ignore[override]
        self, request: handoff_pb2.WatchHandoffsRequest, context: Any
    ) -> AsyncIterator[handoff_pb2.HandoffPacket]:
        """Handoffs created after the call starts, for one clinic or all; ends when the
        client goes away (cancellation or ``aclose``) or the hub closes."""
        async with self._hub.subscribe(request.clinic_id.strip()) as watcher:
            async for packet in watcher:
                yield convert.packet_to_proto(packet)

    # --- helpers -------------------------------------------------------------------------

    def _clinic(self, clinic_id: str) -> Clinic:
        try:
            # With no clinic id, a single-clinic deployment uses its only clinic.
            return self._clinics.resolve(clinic_id, "")
        except ClinicNotFound:
            if clinic_id:
                raise InvalidArgument(
                    f"packet.clinic_id {clinic_id!r} is not a clinic this deployment serves"
                ) from None
            raise InvalidArgument("packet.clinic_id is required (or context.clinic_id)") from None

    async def _publish_created(self, packet: Packet) -> None:
        # The handoff is stored and agents can see it; a failed event must not fail the
        # caller's handoff, so it is logged (without the summary) and dropped.
        try:
            redacted = self._redact(packet.summary, packet)
            if inspect.isawaitable(redacted):
                redacted = await redacted
            event = convert.created_event(packet, str(redacted))
            await self._events.event(HANDOFF_CREATED, event)
        except Exception:
            log.exception("could not publish handoff_created for handoff %s", packet.handoff_id)


def _required(value: str, name: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidArgument(f"{name} is required")
    return value


__all__ = ["HANDOFF_CREATED", "EventSink", "HandoffServicer", "Redactor", "no_redaction"]
