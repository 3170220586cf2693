"""How the handoff service is built and exposed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from google.protobuf.message import Message
from pydantic import model_validator

import phi
from clinic import ClinicDirectory
from frontdesk.v1 import events_pb2, handoff_pb2, handoff_pb2_grpc
from handoff.factory import build_handoff_servicer
from handoff.packet import Packet
from handoff.patient_check import SchedulerPatientCheck
from handoff.relay import ReplicaRelay
from servicekit import EventPublisher, Metrics, Runtime, ServiceDefinition, ServiceSettings
from servicekit.app import Built, Service
from servicekit.phi_scrub import staff_names

DEFINITION = ServiceDefinition(
    name="handoff",
    descriptor=handoff_pb2.DESCRIPTOR.services_by_name["Handoff"],
    add_to_server=handoff_pb2_grpc.add_HandoffServicer_to_server,
)


class HandoffSettings(ServiceSettings):
    """``FRONTDESK_*`` settings of the handoff service."""

    # SQLAlchemy URL: postgresql+psycopg://… in production; empty means SQLite in the state
    # directory (FRONTDESK_STATE_DIR/handoffs.db).
    handoff_database_url: str = ""

    @model_validator(mode="after")
    def _database_in_state_dir(self) -> HandoffSettings:
        if not self.handoff_database_url:
            self.handoff_database_url = f"sqlite:///{self.state_dir / 'handoffs.db'}"
        return self


class CountingEvents:
    """Publishes events and counts created handoffs by completeness (frontdesk_handoffs_total)."""

    def __init__(self, events: EventPublisher, metrics: Metrics, version: str) -> None:
        self._events = events
        self._metrics = metrics
        self._version = version
        for complete in ("true", "false"):  # both series from the start (0 before any handoff)
            metrics.handoffs.labels(version=version, complete=complete)

    async def event(self, kind: str, message: Message) -> None:
        if isinstance(message, events_pb2.HandoffCreated):
            complete = "true" if message.complete else "false"
            self._metrics.handoffs.labels(version=self._version, complete=complete).inc()
        await self._events.event(kind, message)


def summary_redactor(settings: HandoffSettings) -> Callable[[str, Packet], str]:
    """Strict PHI redaction of a packet's text, with the caller's own name and number as known
    identifiers, so they are caught however the summary spells them."""
    engine = phi.Engine(strict=True, allow=staff_names(settings.clinics_dir))

    def redact(text: str, packet: Packet) -> str:
        known = phi.Known.of(
            names=[packet.caller_name] if packet.caller_name else [],
            phones=[packet.callback_number] if packet.callback_number else [],
        )
        return engine.redact(text, known).text

    return redact


async def build(runtime: Runtime, settings: HandoffSettings) -> Built:
    if settings.handoff_database_url.startswith("sqlite:///"):
        Path(settings.handoff_database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    servicer = build_handoff_servicer(
        clinics=ClinicDirectory.from_folder(settings.clinics_dir),
        events=CountingEvents(runtime.events, runtime.metrics, settings.version),
        database_url=settings.handoff_database_url,
        redact=summary_redactor(settings),
        check_patient=SchedulerPatientCheck(runtime.bus),
    )

    async def load(handoff_id: str) -> Packet:
        return await asyncio.to_thread(servicer.store.get, handoff_id)

    relay = ReplicaRelay(runtime.js, servicer.hub, load)
    await relay.start()

    async def draining() -> None:
        await relay.stop()
        servicer.hub.close()  # open Watch streams end; agent desks reconnect to another replica

    async def close() -> None:
        await relay.stop()
        servicer.store.close()

    return Built(servicer, draining=draining, close=close)


SERVICE = Service(DEFINITION, HandoffSettings, build)
