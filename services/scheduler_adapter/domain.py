"""Plain data the scheduler layers exchange: slots, holds, appointments and identities.

These are the backend-neutral types; ``convert`` maps them to and from protobuf. All datetimes
are timezone-aware (UTC when they come out of a backend).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum

Clock = Callable[[], datetime]
"""Returns the current instant, timezone-aware. Injected so tests can move time."""


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


class PartOfDay(Enum):
    """A part of the day in clinic local time."""

    ANY = "any"
    MORNING = "morning"  # before 12:00
    AFTERNOON = "afternoon"  # 12:00 to 17:00
    EVENING = "evening"  # from 17:00

    def contains(self, local: datetime) -> bool:
        """Whether the clinic-local instant ``local`` falls in this part of the day."""
        hour = local.hour
        if self is PartOfDay.MORNING:
            return hour < 12
        if self is PartOfDay.AFTERNOON:
            return 12 <= hour < 17
        if self is PartOfDay.EVENING:
            return hour >= 17
        return True


class AppointmentStatus(Enum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Caller:
    """Who is asking, on behalf of which call (the protobuf ``CallContext``)."""

    call_id: str
    clinic_id: str
    # A claim only; the proof decides (``verification.proof_denial``).
    verified_patient_id: str = ""
    actor: str = ""
    # The secret VerifyIdentity issued on this call; kept out of repr so it is never logged.
    verification_proof: str = field(default="", repr=False)


@dataclass(frozen=True)
class SlotQuery:
    """FindSlots filters. Empty strings mean "any"; None times mean the defaults."""

    clinic_id: str
    appointment_type: str = ""
    provider_id: str = ""
    start_after: datetime | None = None
    start_before: datetime | None = None
    part_of_day: PartOfDay = PartOfDay.ANY
    page_size: int = 3
    # Holds taken by this call do not hide a slot.
    call_id: str = ""


@dataclass(frozen=True)
class Slot:
    """A bookable stretch of one provider's time for one appointment type."""

    slot_id: str
    clinic_id: str
    provider_id: str
    provider_name: str
    appointment_type: str
    start: datetime
    end: datetime
    time_zone: str


@dataclass(frozen=True)
class Hold:
    hold_id: str
    slot: Slot
    call_id: str
    expires_at: datetime


@dataclass(frozen=True)
class Appointment:
    appointment_id: str
    patient_id: str
    slot: Slot
    status: AppointmentStatus
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Booking:
    """Book's result; ``replayed`` when an earlier request with the same key produced it."""

    appointment: Appointment
    replayed: bool = False


@dataclass(frozen=True)
class Cancellation:
    """Cancel's result; ``changed`` is False when the appointment was already cancelled."""

    appointment: Appointment
    changed: bool = True


@dataclass(frozen=True)
class Rescheduling:
    """Reschedule's result; ``replayed`` when an earlier request with the same key produced it."""

    cancelled: Appointment
    booked: Appointment
    replayed: bool = False


@dataclass(frozen=True)
class PatientIdentity:
    """What the record says about a patient, for the call's PHI redaction."""

    names: tuple[str, ...]
    date_of_birth: date
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    mrns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verification:
    """VerifyIdentity's answer from a backend.

    ``named`` holds the ids of the clinic's records whose name matches the name said, whatever
    their date of birth: a failed attempt counts against each of them (lockouts).
    """

    verified: bool
    patient_id: str = ""
    identity: PatientIdentity | None = field(default=None)
    named: tuple[str, ...] = ()
