"""How the scheduler_adapter service is built and exposed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from google.protobuf.message import Message
from pydantic import Field, model_validator

from clinic import ClinicDirectory
from frontdesk.v1 import events_pb2, scheduler_pb2, scheduler_pb2_grpc
from scheduler_adapter.call_ends import CallEndRevoker
from scheduler_adapter.engine import DatabaseTimeouts
from scheduler_adapter.server import build_servicer
from scheduler_adapter.verification import LockoutPolicy
from scheduler_adapter.write_gate import GatedScheduler
from servicekit import EventPublisher, Runtime, ServiceDefinition, ServiceSettings
from servicekit.app import Built, Service

DEFINITION = ServiceDefinition(
    name="scheduler_adapter",
    descriptor=scheduler_pb2.DESCRIPTOR.services_by_name["Scheduler"],
    add_to_server=scheduler_pb2_grpc.add_SchedulerServicer_to_server,
)


class SchedulerSettings(ServiceSettings):
    """``FRONTDESK_*`` settings of the scheduler_adapter service."""

    # SQLAlchemy URL: postgresql+psycopg://… in production; empty means SQLite in the state
    # directory (FRONTDESK_STATE_DIR/scheduler.db).
    scheduler_database_url: str = ""
    # Add the demo slots and patients to every clinic at start (local runs and tests only).
    scheduler_seed_demo: bool = False
    # Bounds on the database, in seconds: connecting (and waiting for a lock or a pooled
    # connection), and one statement's run time.
    scheduler_db_connect_timeout: float = Field(default=5.0, gt=0)
    scheduler_db_statement_timeout: float = Field(default=5.0, ge=0)
    # How long a verification proof is accepted after VerifyIdentity (longer than any call).
    scheduler_proof_ttl_seconds: int = Field(default=3600, gt=0)
    # Failed verifications allowed per caller number and per patient record within the window,
    # across calls; over either, VerifyIdentity is refused and the caller goes to staff.
    scheduler_verify_max_failures_per_number: int = Field(default=5, ge=1)
    scheduler_verify_max_failures_per_patient: int = Field(default=5, ge=1)
    scheduler_verify_failure_window_seconds: int = Field(default=3600, gt=0)
    # Per patient record the window is longer: guessing one person's birth date must be slow.
    scheduler_verify_patient_failure_window_seconds: int = Field(default=86400, gt=0)
    # Offer each call its own draw of the equivalent free slots (scheduler_adapter.offers), so
    # concurrent bookers do not all hear, and collide on, the earliest; off: the earliest.
    scheduler_offer_spread: bool = True

    @model_validator(mode="after")
    def _database_in_state_dir(self) -> SchedulerSettings:
        if not self.scheduler_database_url:
            self.scheduler_database_url = f"sqlite+pysqlite:///{self.state_dir / 'scheduler.db'}"
        return self


class JetStreamSinks:
    """Audit records and appointment events onto JetStream, through the runtime's publisher."""

    def __init__(self, events: EventPublisher) -> None:
        self._events = events

    async def record(self, record: events_pb2.AuditRecord) -> None:
        await self._events.audit(record)

    async def publish(self, kind: str, event: Message) -> None:
        await self._events.event(kind, event)


async def build(runtime: Runtime, settings: SchedulerSettings) -> Built:
    url = settings.scheduler_database_url
    if url.startswith("sqlite") and ":memory:" not in url:
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    sinks = JetStreamSinks(runtime.events)
    built = build_servicer(
        database_url=url,
        clinics=ClinicDirectory.from_folder(settings.clinics_dir),
        audit=sinks,
        events=sinks,
        seed_demo_data=settings.scheduler_seed_demo,
        timeouts=DatabaseTimeouts(
            connect_s=settings.scheduler_db_connect_timeout,
            statement_s=settings.scheduler_db_statement_timeout,
        ),
        lockout=LockoutPolicy(
            max_failures_per_number=settings.scheduler_verify_max_failures_per_number,
            max_failures_per_patient=settings.scheduler_verify_max_failures_per_patient,
            window=timedelta(seconds=settings.scheduler_verify_failure_window_seconds),
            patient_window=timedelta(
                seconds=settings.scheduler_verify_patient_failure_window_seconds
            ),
        ),
        proof_ttl=timedelta(seconds=settings.scheduler_proof_ttl_seconds),
        offer_spread=settings.scheduler_offer_spread,
    )
    servicer = GatedScheduler(built, runtime.flags)  # kill_booking_writes
    # A call's proofs stop working when it ends, not only when they expire.
    revoker = CallEndRevoker(runtime.js, built.service.revoke_call)
    await revoker.start()

    async def close() -> None:
        await revoker.stop()
        servicer.close()

    # Stopped while draining too: the consumer needs the NATS connection, which closes after.
    return Built(servicer, draining=revoker.stop, close=close)


SERVICE = Service(DEFINITION, SchedulerSettings, build)
