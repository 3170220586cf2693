"""Protobuf <-> domain translation for the Scheduler API, with request validation.

Validation errors are ``InvalidArgument`` naming the field, e.g. "slot_id is required".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from frontdesk.v1 import common_pb2, scheduler_pb2
from scheduler_adapter.domain import (
    Appointment,
    AppointmentStatus,
    Caller,
    Hold,
    PartOfDay,
    PatientIdentity,
    Slot,
)
from servicekit.errors import InvalidArgument

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_PART_OF_DAY = {
    scheduler_pb2.PART_OF_DAY_UNSPECIFIED: PartOfDay.ANY,
    scheduler_pb2.PART_OF_DAY_MORNING: PartOfDay.MORNING,
    scheduler_pb2.PART_OF_DAY_AFTERNOON: PartOfDay.AFTERNOON,
    scheduler_pb2.PART_OF_DAY_EVENING: PartOfDay.EVENING,
}

_STATUS = {
    AppointmentStatus.BOOKED: common_pb2.APPOINTMENT_STATUS_BOOKED,
    AppointmentStatus.CANCELLED: common_pb2.APPOINTMENT_STATUS_CANCELLED,
}


def require(value: str, field: str) -> str:
    """``value`` stripped; InvalidArgument naming ``field`` when it is empty."""
    value = value.strip()
    if not value:
        raise InvalidArgument(f"{field} is required")
    return value


def caller(context: common_pb2.CallContext, *, need_call_id: bool = False) -> Caller:
    """The domain caller; clinic_id is always required, call_id when ``need_call_id``."""
    clinic_id = require(context.clinic_id, "context.clinic_id")
    call_id = context.call_id.strip()
    if need_call_id and not call_id:
        raise InvalidArgument("context.call_id is required")
    return Caller(
        call_id=call_id,
        clinic_id=clinic_id,
        verified_patient_id=context.verified_patient_id.strip(),
        actor=context.actor,
        verification_proof=context.verification_proof.strip(),
    )


def part_of_day(value: int, field: str = "part_of_day") -> PartOfDay:
    try:
        return _PART_OF_DAY[value]  # type: ignore[index]
    except KeyError:
        raise InvalidArgument(f"{field} has an unknown value {value}") from None


def iso_date(value: str, field: str) -> date:
    """A YYYY-MM-DD date; the value is not echoed in the error (it may be PHI)."""
    value = value.strip()
    if not value:
        raise InvalidArgument(f"{field} is required")
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(f"{field} must be a date written YYYY-MM-DD") from None


def from_timestamp(ts: Timestamp, field: str = "timestamp") -> datetime:
    try:
        return ts.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidArgument(
            f"{field} is out of range: years 0001 to 9999 (seconds {ts.seconds})"
        ) from None


def timestamp(at: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(at.astimezone(UTC))
    return ts


def slot_pb(slot: Slot) -> common_pb2.Slot:
    return common_pb2.Slot(
        slot_id=slot.slot_id,
        provider_id=slot.provider_id,
        provider_name=slot.provider_name,
        appointment_type=slot.appointment_type,
        start_time=timestamp(slot.start),
        end_time=timestamp(slot.end),
        time_zone=slot.time_zone,
    )


def hold_pb(hold: Hold) -> scheduler_pb2.Hold:
    return scheduler_pb2.Hold(
        hold_id=hold.hold_id, slot=slot_pb(hold.slot), expire_time=timestamp(hold.expires_at)
    )


def appointment_pb(appointment: Appointment) -> common_pb2.Appointment:
    return common_pb2.Appointment(
        appointment_id=appointment.appointment_id,
        patient_id=appointment.patient_id,
        slot=slot_pb(appointment.slot),
        status=_STATUS[appointment.status],
        created_time=timestamp(appointment.created_at),
        update_time=timestamp(appointment.updated_at),
    )


def known_identity_pb(identity: PatientIdentity, said_name: str) -> common_pb2.KnownIdentity:
    """The record's identifiers plus the name as the caller said it, for redaction."""
    names = list(identity.names)
    said = " ".join(said_name.split())
    if said and said.lower() not in {n.lower() for n in names}:
        names.append(said)
    return common_pb2.KnownIdentity(
        names=names,
        date_of_birth=identity.date_of_birth.isoformat(),
        phones=identity.phones,
        emails=identity.emails,
        mrns=identity.mrns,
    )
