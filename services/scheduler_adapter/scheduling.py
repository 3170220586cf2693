"""Who may do what, and what gets recorded: the policy between the servicer and a backend.

``SchedulingService`` refuses patient data unless the call's verified patient is the patient
asked about (``PermissionDenied``), writes one ``AuditRecord`` for every read or write of
patient data (VerifyIdentity, ListAppointments, Book, Cancel, Reschedule) whatever the outcome,
and publishes ``AppointmentChanged`` when a booking really changed (not on idempotent replays)::

    service = SchedulingService(backend, audit=audit_sink, events=event_sink, clock=utc_now)
    appointment = await service.book(caller, patient_id, slot_id, idempotency_key="k1")
"""

from __future__ import annotations

from datetime import date, timedelta

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
from servicekit.errors import NotFound, PermissionDenied, ServiceError

APPOINTMENT_CHANGED = "appointment_changed"


def audit_result(error: ServiceError | None) -> str:
    """The audit record's result for an outcome: ok, denied, not_found, or failed."""
    if error is None:
        return "ok"
    if isinstance(error, PermissionDenied):
        return "denied"
    if isinstance(error, NotFound):
        return "not_found"
    return "failed"


class SchedulingService:
    """Checks access, audits and publishes around a ``SchedulerBackend``."""

    def __init__(
        self,
        backend: SchedulerBackend,
        audit: AuditSink,
        events: EventSink,
        clock: Clock = utc_now,
    ) -> None:
        self._backend = backend
        self._audit_sink = audit
        self._events = events
        self._clock = clock

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
        self, caller: Caller, full_name: str, date_of_birth: date
    ) -> Verification:
        try:
            result = await self._backend.verify_identity(caller.clinic_id, full_name, date_of_birth)
        except ServiceError as error:
            await self._audit(caller, "verify_identity", "patient", "", "", audit_result(error))
            raise
        await self._audit(
            caller,
            "verify_identity",
            "patient",
            result.patient_id,
            result.patient_id,
            "ok" if result.verified else "not_found",
        )
        return result

    async def list_appointments(
        self, caller: Caller, patient_id: str, include_inactive: bool
    ) -> list[Appointment]:
        try:
            self._require_verified(caller, patient_id)
            appointments = await self._backend.list_appointments(
                caller.clinic_id, patient_id, include_inactive
            )
        except ServiceError as error:
            await self._audit(
                caller, "list_appointments", "appointment", "", patient_id, audit_result(error)
            )
            raise
        await self._audit(caller, "list_appointments", "appointment", "", patient_id, "ok")
        return appointments

    async def book(
        self, caller: Caller, patient_id: str, slot_id: str, idempotency_key: str
    ) -> Appointment:
        try:
            self._require_verified(caller, patient_id)
            booking = await self._backend.book(
                caller.clinic_id, caller.call_id, patient_id, slot_id, idempotency_key
            )
        except ServiceError as error:
            await self._audit(caller, "book", "slot", slot_id, patient_id, audit_result(error))
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
            self._require_verified(caller, patient_id)
            cancellation = await self._backend.cancel(
                caller.clinic_id, patient_id, appointment_id, idempotency_key
            )
        except ServiceError as error:
            await self._audit(
                caller, "cancel", "appointment", appointment_id, patient_id, audit_result(error)
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
            self._require_verified(caller, patient_id)
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
                caller, "reschedule", "appointment", appointment_id, patient_id, audit_result(error)
            )
            raise
        await self._audit(caller, "reschedule", "appointment", appointment_id, patient_id, "ok")
        if not result.replayed:
            # One event, for the new appointment; consumers read the move from its change kind.
            await self._changed(caller, result.booked, events_pb2.APPOINTMENT_CHANGE_RESCHEDULED)
        return result

    # --- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _require_verified(caller: Caller, patient_id: str) -> None:
        if not caller.verified_patient_id:
            raise PermissionDenied(
                "the caller's identity is not verified on this call; verify it first"
            )
        if caller.verified_patient_id != patient_id:
            raise PermissionDenied(
                "this call is verified for a different patient than the one asked about"
            )

    async def _audit(
        self,
        caller: Caller,
        action: str,
        resource_type: str,
        resource_id: str,
        patient_id: str,
        result: str,
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
