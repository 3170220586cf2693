"""The storage interface every scheduler backend implements (SQL now, FHIR R4 later).

A backend owns the calendar's consistency: no slot is ever booked twice, holds expire, repeated
requests with the same idempotency key return the first result. It does *not* check who may
ask (``scheduling.SchedulingService`` does) except that an appointment belongs to the patient
named. Failures are raised as ``servicekit.errors`` exceptions:

* ``NotFound`` — unknown patient, slot or appointment (in that clinic);
* ``FailedPrecondition`` — the slot is taken, held by another call, or already started;
* ``PermissionDenied`` — the appointment belongs to another patient;
* ``InvalidArgument`` — a filter names something the clinic does not have, or an idempotency
  key is reused with different parameters.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

from scheduler_adapter.domain import (
    Appointment,
    Booking,
    Cancellation,
    Hold,
    Rescheduling,
    Slot,
    SlotQuery,
    Verification,
)


class SchedulerBackend(Protocol):
    """The seven Scheduler operations in domain types."""

    async def find_slots(self, query: SlotQuery) -> list[Slot]:
        """Free slots matching ``query``, earliest first: not booked, not held by another call."""
        ...

    async def hold_slot(self, clinic_id: str, call_id: str, slot_id: str, ttl: timedelta) -> Hold:
        """Holds the slot for ``call_id`` until now + ``ttl`` (renews this call's own hold)."""
        ...

    async def release_holds(self, clinic_id: str, call_id: str) -> int:
        """The call has ended: its holds go (returns how many there were)."""
        ...

    async def book(
        self, clinic_id: str, call_id: str, patient_id: str, slot_id: str, idempotency_key: str
    ) -> Booking:
        """Books the slot for the patient; "" as key means no idempotency record."""
        ...

    async def cancel(
        self, clinic_id: str, patient_id: str, appointment_id: str, idempotency_key: str
    ) -> Cancellation:
        """Cancels the patient's appointment; cancelling a cancelled one returns it unchanged."""
        ...

    async def reschedule(
        self,
        clinic_id: str,
        call_id: str,
        patient_id: str,
        appointment_id: str,
        new_slot_id: str,
        idempotency_key: str,
    ) -> Rescheduling:
        """Cancels the appointment and books ``new_slot_id`` in one transaction: both or neither."""
        ...

    async def verify_identity(
        self, clinic_id: str, full_name: str, date_of_birth: date
    ) -> Verification:
        """The one patient of the clinic with that name and date of birth, if exactly one."""
        ...

    async def list_appointments(
        self, clinic_id: str, patient_id: str, include_inactive: bool
    ) -> list[Appointment]:
        """The patient's appointments by start time: upcoming booked ones unless inactive too."""
        ...

    def close(self) -> None:
        """Releases connections."""
        ...
