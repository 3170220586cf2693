"""Who may do what, and what gets recorded: the policy between the servicer and a backend.

``SchedulingService`` answers ``VerifyIdentity`` with a *proof* (``verification``) when the
name and date of birth match one record, refuses attempts over the lockout limits, and refuses
patient data (``PermissionDenied``) unless the request carries a proof this scheduler issued
for this call, clinic and patient, unexpired. The client's ``verified_patient_id`` is a claim,
never trusted. It writes one ``AuditRecord`` for every read or write of patient data
(VerifyIdentity, ListAppointments, Book, Cancel, Reschedule) whatever the outcome, refusals
included with the reason, and publishes ``AppointmentChanged`` when a booking really changed
(not on idempotent replays)::

    service = SchedulingService(backend, audit=audit_sink, events=event_sink, clock=utc_now,
                                verifications=SqlVerificationStore(backend))
    outcome = await service.verify_identity(caller, "Maria Lopez", date(1980, 3, 3), "+1555…")
    caller = replace(caller, verification_proof=outcome.proof)
    appointment = await service.book(caller, patient_id, slot_id, idempotency_key="k1")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from frontdesk.v1 import events_pb2
from scheduler_adapter.backend import SchedulerBackend
from scheduler_adapter.domain import (
    Appointment,
    Caller,
    Clock,
    Hold,
    Rescheduling,
    Slot,
    SlotQuery,
    Verification,
    utc_now,
)
from scheduler_adapter.sinks import AuditSink, EventSink
from scheduler_adapter.verification import (
    LOCKED_OUT,
    LockoutPolicy,
    ProofRecord,
    new_proof,
    number_counter,
    patient_counter,
    proof_denial,
    proof_hash,
)
from servicekit.errors import NotFound, PermissionDenied, ResourceExhausted, ServiceError

APPOINTMENT_CHANGED = "appointment_changed"
DEFAULT_PROOF_TTL = timedelta(hours=1)
# Expired proofs and old failures are deleted at most this often (on a successful verification).
PURGE_EVERY = timedelta(minutes=10)


class VerificationStore(Protocol):
    """Issued proofs and failure counters (``verification_store.SqlVerificationStore``)."""

    async def issue(self, record: ProofRecord) -> None: ...

    async def find(self, proof_hash: str) -> ProofRecord | None: ...

    async def record_failure(self, counters: Sequence[str], at: datetime) -> None: ...

    async def failure_counts(self, counters: Sequence[str], since: datetime) -> dict[str, int]: ...

    async def purge(self, now: datetime, failures_before: datetime) -> int: ...

    async def revoke_call(self, clinic_id: str, call_id: str) -> int: ...


@dataclass(frozen=True)
class VerifyOutcome:
    """VerifyIdentity's result: the backend's answer plus, when verified, the proof."""

    verification: Verification
    proof: str = field(default="", repr=False)
    expires_at: datetime | None = None


def audit_result(error: ServiceError | None) -> str:
    """The audit record's result for an outcome: ok, denied, not_found, or failed."""
    if error is None:
        return "ok"
    if isinstance(error, PermissionDenied):
        return "denied"
    if isinstance(error, NotFound):
        return "not_found"
    if isinstance(error, ResourceExhausted):
        return "locked_out"
    return "failed"


class SchedulingService:
    """Checks access, audits and publishes around a ``SchedulerBackend``."""

    def __init__(
        self,
        backend: SchedulerBackend,
        audit: AuditSink,
        events: EventSink,
        clock: Clock = utc_now,
        *,
        verifications: VerificationStore,
        lockout: LockoutPolicy | None = None,
        proof_ttl: timedelta = DEFAULT_PROOF_TTL,
    ) -> None:
        self._backend = backend
        self._audit_sink = audit
        self._events = events
        self._clock = clock
        self._verifications = verifications
        self._lockout = lockout or LockoutPolicy()
        self._proof_ttl = proof_ttl
        self._purged_at: datetime | None = None

    @property
    def backend(self) -> SchedulerBackend:
        return self._backend

    # --- no patient data: no audit ---------------------------------------------------------------

    async def find_slots(self, query: SlotQuery) -> list[Slot]:
        return await self._backend.find_slots(query)

    async def hold_slot(self, caller: Caller, slot_id: str, ttl: timedelta) -> Hold:
        return await self._backend.hold_slot(caller.clinic_id, caller.call_id, slot_id, ttl)

    # --- patient data ---------------------------------------------------------------------------

    async def verify_identity(
        self, caller: Caller, full_name: str, date_of_birth: date, caller_number: str = ""
    ) -> VerifyOutcome:
        """Checks the name and date of birth; refuses (``ResourceExhausted``) when the caller
        number or a record with that name is over the failure limit, whether or not this
        attempt is right (so a refused attempt reveals nothing)."""
        now = self._clock()
        try:
            result = await self._backend.verify_identity(caller.clinic_id, full_name, date_of_birth)
        except ServiceError as error:
            await self._audit(
                caller,
                "verify_identity",
                "patient",
                "",
                "",
                audit_result(error),
                detail=error.message,
            )
            raise
        number = number_counter(caller.clinic_id, caller_number) if caller_number else ""
        patients = [patient_counter(caller.clinic_id, p) for p in result.named]
        counts = await self._verifications.failure_counts(
            [number] if number else [], now - self._lockout.window
        )
        counts.update(
            await self._verifications.failure_counts(patients, now - self._lockout.patient_window)
        )
        number_failures = counts.get(number, 0)
        patient_failures = max((counts.get(c, 0) for c in patients), default=0)
        # The one record the attempt was about, when the name points at one.
        target = result.patient_id or (result.named[0] if len(result.named) == 1 else "")
        if self._lockout.refuses(number_failures, patient_failures):
            which = (
                "caller number"
                if number_failures >= self._lockout.max_failures_per_number
                else "patient record"
            )
            await self._audit(
                caller,
                "verify_identity",
                "patient",
                "",
                target,
                "locked_out",
                detail=f"{which} over the failure limit",
            )
            raise ResourceExhausted(LOCKED_OUT)
        if not result.verified:
            await self._verifications.record_failure([c for c in (number, *patients) if c], now)
            await self._audit(caller, "verify_identity", "patient", "", target, "not_found")
            return VerifyOutcome(result)
        proof = new_proof()
        expires_at = now + self._proof_ttl
        await self._verifications.issue(
            ProofRecord(
                proof_hash=proof_hash(proof),
                clinic_id=caller.clinic_id,
                call_id=caller.call_id,
                patient_id=result.patient_id,
                issued_at=now,
                expires_at=expires_at,
            )
        )
        await self._audit(
            caller, "verify_identity", "patient", result.patient_id, result.patient_id, "ok"
        )
        await self._purge(now)
        return VerifyOutcome(result, proof, expires_at)

    async def check_verification(self, caller: Caller, patient_id: str) -> None:
        """Raises PermissionDenied unless the caller's proof proves ``patient_id`` on its call
        now. Audited either way: it confirms who a call's caller is."""
        try:
            await self._require_proof(caller, patient_id)
        except ServiceError as error:
            await self._audit(
                caller,
                "check_verification",
                "patient",
                patient_id,
                patient_id,
                audit_result(error),
                detail=error.message,
            )
            raise
        await self._audit(caller, "check_verification", "patient", patient_id, patient_id, "ok")

    async def revoke_call(self, clinic_id: str, call_id: str) -> int:
        """The call has ended: every proof issued on it stops working and its holds are
        released at once, not at their expiry (``call_ends``). Returns how many proofs were
        revoked."""
        await self._backend.release_holds(clinic_id, call_id)
        return await self._verifications.revoke_call(clinic_id, call_id)

    async def list_appointments(
        self, caller: Caller, patient_id: str, include_inactive: bool
    ) -> list[Appointment]:
        try:
            await self._require_proof(caller, patient_id)
            appointments = await self._backend.list_appointments(
                caller.clinic_id, patient_id, include_inactive
            )
        except ServiceError as error:
            await self._audit(
                caller,
                "list_appointments",
                "appointment",
                "",
                patient_id,
                audit_result(error),
                detail=error.message,
            )
            raise
        await self._audit(caller, "list_appointments", "appointment", "", patient_id, "ok")
        return appointments

    async def book(
        self, caller: Caller, patient_id: str, slot_id: str, idempotency_key: str
    ) -> Appointment:
        try:
            await self._require_proof(caller, patient_id)
            booking = await self._backend.book(
                caller.clinic_id, caller.call_id, patient_id, slot_id, idempotency_key
            )
        except ServiceError as error:
            await self._audit(
                caller,
                "book",
                "slot",
                slot_id,
                patient_id,
                audit_result(error),
                detail=error.message,
            )
            raise
        appointment = booking.appointment
        await self._audit(
            caller, "book", "appointment", appointment.appointment_id, patient_id, "ok"
        )
        if not booking.replayed:
            await self._changed(caller, appointment, events_pb2.APPOINTMENT_CHANGE_BOOKED)
        return appointment

    async def cancel(
        self, caller: Caller, patient_id: str, appointment_id: str, idempotency_key: str
    ) -> Appointment:
        try:
            await self._require_proof(caller, patient_id)
            cancellation = await self._backend.cancel(
                caller.clinic_id, patient_id, appointment_id, idempotency_key
            )
        except ServiceError as error:
            await self._audit(
                caller,
                "cancel",
                "appointment",
                appointment_id,
                patient_id,
                audit_result(error),
                detail=error.message,
            )
            raise
        await self._audit(caller, "cancel", "appointment", appointment_id, patient_id, "ok")
        if cancellation.changed:
            await self._changed(
                caller, cancellation.appointment, events_pb2.APPOINTMENT_CHANGE_CANCELLED
            )
        return cancellation.appointment

    async def reschedule(
        self,
        caller: Caller,
        patient_id: str,
        appointment_id: str,
        new_slot_id: str,
        idempotency_key: str,
    ) -> Rescheduling:
        try:
            await self._require_proof(caller, patient_id)
            result = await self._backend.reschedule(
                caller.clinic_id,
                caller.call_id,
                patient_id,
                appointment_id,
                new_slot_id,
                idempotency_key,
            )
        except ServiceError as error:
            await self._audit(
                caller,
                "reschedule",
                "appointment",
                appointment_id,
                patient_id,
                audit_result(error),
                detail=error.message,
            )
            raise
        await self._audit(caller, "reschedule", "appointment", appointment_id, patient_id, "ok")
        if not result.replayed:
            # One event, for the new appointment; consumers read the move from its change kind.
            await self._changed(caller, result.booked, events_pb2.APPOINTMENT_CHANGE_RESCHEDULED)
        return result

    # --- helpers --------------------------------------------------------------------------------

    async def _require_proof(self, caller: Caller, patient_id: str) -> None:
        record = (
            await self._verifications.find(proof_hash(caller.verification_proof))
            if caller.verification_proof
            else None
        )
        reason = proof_denial(record, caller, patient_id, self._clock())
        if reason:
            raise PermissionDenied(reason)

    async def _purge(self, now: datetime) -> None:
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = now
        await self._verifications.purge(now, now - self._lockout.longest_window)

    async def _audit(
        self,
        caller: Caller,
        action: str,
        resource_type: str,
        resource_id: str,
        patient_id: str,
        result: str,
        detail: str = "",
    ) -> None:
        record = events_pb2.AuditRecord(
            actor=caller.actor,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            patient_id=patient_id,
            call_id=caller.call_id,
            clinic_id=caller.clinic_id,
            result=result,
            detail=detail,
        )
        record.time.FromDatetime(self._clock())
        await self._audit_sink.record(record)

    async def _changed(
        self,
        caller: Caller,
        appointment: Appointment,
        change: events_pb2.AppointmentChange.ValueType,
    ) -> None:
        event = events_pb2.AppointmentChanged(
            appointment_id=appointment.appointment_id,
            call_id=caller.call_id,
            clinic_id=caller.clinic_id,
            change=change,
            slot_id=appointment.slot.slot_id,
            provider_id=appointment.slot.provider_id,
        )
        event.time.FromDatetime(self._clock())
        await self._events.publish(APPOINTMENT_CHANGED, event)
