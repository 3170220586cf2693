"""The Scheduler gRPC/NATS servicer, and ``build_servicer`` to wire it from settings.

The servicer only validates and translates; ``SchedulingService`` checks access and audits;
the backend stores. It never touches ``context`` (None on the NATS transport) and raises
``servicekit.errors`` exceptions::

    servicer = build_servicer(
        database_url="sqlite+pysqlite:///frontdesk-scheduler.db",
        clinics=ClinicDirectory.from_folder(Path("deploy/local/clinics")),
        audit=nats_audit_sink, events=nats_event_sink,
        seed_demo_data=True,
    )
    servicekit.serve(servicer, ...)
    ...
    servicer.close()

``hold_id`` in Book and Reschedule is accepted but not required: a booking succeeds whenever no
*other* call holds the slot, so a hold that expired while the caller hesitated does no harm.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from clinic import Clinic
from frontdesk.v1 import scheduler_pb2, scheduler_pb2_grpc
from frontdesk.v1.common_pb2 import Appointment as AppointmentPb
from scheduler_adapter import convert
from scheduler_adapter.domain import Clock, SlotQuery, utc_now
from scheduler_adapter.engine import DatabaseTimeouts
from scheduler_adapter.scheduling import DEFAULT_PROOF_TTL, SchedulingService
from scheduler_adapter.sinks import AuditSink, EventSink
from scheduler_adapter.sql_backend import SqlBackend
from scheduler_adapter.verification import LockoutPolicy
from scheduler_adapter.verification_store import SqlVerificationStore
from servicekit.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 3
MAX_PAGE_SIZE = 50
DEFAULT_HOLD_SECONDS = 120
MAX_HOLD_SECONDS = 900


class SchedulerServicer(scheduler_pb2_grpc.SchedulerServicer):
    """``frontdesk.v1.Scheduler`` on a ``SchedulingService``."""

    def __init__(self, service: SchedulingService) -> None:
        self._service = service

    @property
    def service(self) -> SchedulingService:
        return self._service

    def close(self) -> None:
        """Releases the backend's database connections."""
        self._service.backend.close()

    async def FindSlots(
        self, request: scheduler_pb2.FindSlotsRequest, context: object
    ) -> scheduler_pb2.FindSlotsResponse:
        who = convert.caller(request.context)
        if request.page_size < 0:
            raise InvalidArgument("page_size must not be negative")
        page_size = min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        start_after = (
            convert.from_timestamp(request.start_after, "start_after")
            if request.HasField("start_after")
            else None
        )
        start_before = (
            convert.from_timestamp(request.start_before, "start_before")
            if request.HasField("start_before")
            else None
        )
        if start_after and start_before and start_before <= start_after:
            raise InvalidArgument("start_before must be later than start_after")
        slots = await self._service.find_slots(
            SlotQuery(
                clinic_id=who.clinic_id,
                appointment_type=request.appointment_type.strip(),
                provider_id=request.provider_id.strip(),
                start_after=start_after,
                start_before=start_before,
                part_of_day=convert.part_of_day(request.part_of_day),
                page_size=page_size,
                call_id=who.call_id,
            )
        )
        return scheduler_pb2.FindSlotsResponse(slots=[convert.slot_pb(s) for s in slots])

    async def HoldSlot(
        self, request: scheduler_pb2.HoldSlotRequest, context: object
    ) -> scheduler_pb2.Hold:
        who = convert.caller(request.context, need_call_id=True)
        slot_id = convert.require(request.slot_id, "slot_id")
        if request.ttl_seconds < 0:
            raise InvalidArgument("ttl_seconds must not be negative")
        seconds = min(request.ttl_seconds or DEFAULT_HOLD_SECONDS, MAX_HOLD_SECONDS)
        hold = await self._service.hold_slot(who, slot_id, timedelta(seconds=seconds))
        return convert.hold_pb(hold)

    async def Book(self, request: scheduler_pb2.BookRequest, context: object) -> AppointmentPb:
        who = convert.caller(request.context)
        patient_id = convert.require(request.patient_id, "patient_id")
        slot_id = convert.require(request.slot_id, "slot_id")
        appointment = await self._service.book(
            who, patient_id, slot_id, request.idempotency_key.strip()
        )
        return convert.appointment_pb(appointment)

    async def Cancel(self, request: scheduler_pb2.CancelRequest, context: object) -> AppointmentPb:
        who = convert.caller(request.context)
        patient_id = convert.require(request.patient_id, "patient_id")
        appointment_id = convert.require(request.appointment_id, "appointment_id")
        appointment = await self._service.cancel(
            who, patient_id, appointment_id, request.idempotency_key.strip()
        )
        return convert.appointment_pb(appointment)

    async def Reschedule(
        self, request: scheduler_pb2.RescheduleRequest, context: object
    ) -> scheduler_pb2.RescheduleResponse:
        who = convert.caller(request.context)
        patient_id = convert.require(request.patient_id, "patient_id")
        appointment_id = convert.require(request.appointment_id, "appointment_id")
        new_slot_id = convert.require(request.new_slot_id, "new_slot_id")
        result = await self._service.reschedule(
            who, patient_id, appointment_id, new_slot_id, request.idempotency_key.strip()
        )
        return scheduler_pb2.RescheduleResponse(
            cancelled=convert.appointment_pb(result.cancelled),
            booked=convert.appointment_pb(result.booked),
        )

    async def VerifyIdentity(
        self, request: scheduler_pb2.VerifyIdentityRequest, context: object
    ) -> scheduler_pb2.VerifyIdentityResponse:
        who = convert.caller(request.context)
        full_name = convert.require(request.full_name, "full_name")
        date_of_birth = convert.iso_date(request.date_of_birth, "date_of_birth")
        outcome = await self._service.verify_identity(
            who, full_name, date_of_birth, request.caller_number.strip()
        )
        result = outcome.verification
        if not result.verified or result.identity is None or outcome.expires_at is None:
            return scheduler_pb2.VerifyIdentityResponse(verified=False)
        return scheduler_pb2.VerifyIdentityResponse(
            verified=True,
            patient_id=result.patient_id,
            known=convert.known_identity_pb(result.identity, full_name),
            proof=outcome.proof,
            proof_expire_time=convert.timestamp(outcome.expires_at),
        )

    async def ListAppointments(
        self, request: scheduler_pb2.ListAppointmentsRequest, context: object
    ) -> scheduler_pb2.ListAppointmentsResponse:
        who = convert.caller(request.context)
        patient_id = convert.require(request.patient_id, "patient_id")
        appointments = await self._service.list_appointments(
            who, patient_id, request.include_inactive
        )
        return scheduler_pb2.ListAppointmentsResponse(
            appointments=[convert.appointment_pb(a) for a in appointments]
        )

    async def CheckVerification(
        self, request: scheduler_pb2.CheckVerificationRequest, context: object
    ) -> scheduler_pb2.CheckVerificationResponse:
        who = convert.caller(request.context, need_call_id=True)
        patient_id = convert.require(request.patient_id, "patient_id")
        await self._service.check_verification(who, patient_id)
        return scheduler_pb2.CheckVerificationResponse(patient_id=patient_id)


def build_servicer(
    *,
    database_url: str,
    clinics: Iterable[Clinic],
    audit: AuditSink,
    events: EventSink,
    clock: Clock = utc_now,
    seed_demo_data: bool = False,
    timeouts: DatabaseTimeouts | None = None,
    lockout: LockoutPolicy | None = None,
    proof_ttl: timedelta = DEFAULT_PROOF_TTL,
    offer_spread: bool = True,
) -> SchedulerServicer:
    """A servicer on the SQL backend at ``database_url``, with every clinic's config synced.

    ``seed_demo_data`` also adds demo slots (three weeks from now) and the demo patients to
    every clinic (idempotent; for ``frontdesk up`` and tests, never for a real clinic).
    Verification proofs and failure counters live in the same database.
    """
    # Imported here: seed pulls in demo data that a production server does not need.
    from scheduler_adapter.seed import seed_demo

    backend = SqlBackend.open(database_url, clock, timeouts, offer_spread=offer_spread)
    for clinic in clinics:
        backend.sync_clinic(clinic)
        if seed_demo_data:
            seed_demo(backend, clinic, clock())
        backend.index_patient_names(clinic.id)
    service = SchedulingService(
        backend,
        audit,
        events,
        clock,
        verifications=SqlVerificationStore(backend),
        lockout=lockout,
        proof_ttl=proof_ttl,
    )
    return SchedulerServicer(service)
