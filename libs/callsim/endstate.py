"""What a call changed: the patient's appointments (scheduler database) and its handoff packet.

    appointments = AppointmentReader("sqlite:///.frontdesk/scheduler.db")
    before = appointments.snapshot("Maria Lopez")
    ... the call ...
    problems = appointment_problems(expected, before, appointments.snapshot("Maria Lopez"))

    handoffs = HandoffReader(channel)          # gRPC Handoff.Get / List
    packet = await handoffs.find(call_id, handoff_id)

Appointments are compared before and after the call: an appointment "changed during the call"
is one that is new or whose status differs. The runner never runs two calls about the same
patient at once, so the difference belongs to the call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import grpc
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from callsim.scenario import AppointmentExpect, HandoffExpect
from frontdesk.v1 import common_pb2, handoff_pb2, handoff_pb2_grpc


@dataclass(frozen=True)
class AppointmentState:
    appointment_id: str
    patient: str  # "first last"
    appointment_type: str
    provider: str
    status: str
    start: datetime


Snapshot = Mapping[str, AppointmentState]


class UnknownPatient(LookupError):
    pass


class AppointmentReader:
    """Reads the scheduler's SQL tables (``scheduler_adapter.schema``) by SQLAlchemy URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine = create_engine(url)

    def close(self) -> None:
        self._engine.dispose()

    def snapshot(self, patient: str) -> dict[str, AppointmentState]:
        """Every appointment (any status) of the patients named ``patient`` (case-insensitive)."""
        from scheduler_adapter.schema import AppointmentRow, PatientRow, SlotRow

        wanted = " ".join(patient.split()).casefold()
        with self._engine.connect() as connection:
            patients = connection.execute(
                select(PatientRow.id, PatientRow.first_name, PatientRow.last_name)
            ).all()
            ids = {
                row.id: f"{row.first_name} {row.last_name}"
                for row in patients
                if f"{row.first_name} {row.last_name}".casefold() == wanted
            }
            if not ids:
                raise UnknownPatient(f"no patient named {patient!r} in {self.url}")
            rows = connection.execute(
                select(
                    AppointmentRow.id,
                    AppointmentRow.patient_id,
                    AppointmentRow.provider_id,
                    AppointmentRow.status,
                    AppointmentRow.start_time,
                    SlotRow.appointment_type,
                )
                .join(SlotRow, SlotRow.id == AppointmentRow.slot_id)
                .where(AppointmentRow.patient_id.in_(list(ids)))
            ).all()
        return {
            row.id: AppointmentState(
                appointment_id=row.id,
                patient=ids[row.patient_id],
                appointment_type=row.appointment_type,
                provider=row.provider_id,
                status=row.status,
                start=row.start_time,
            )
            for row in rows
        }


def changed(before: Snapshot, after: Snapshot) -> list[AppointmentState]:
    """Appointments that are new in ``after`` or whose status is not what it was."""
    return [
        state
        for key, state in sorted(after.items())
        if key not in before or before[key].status != state.status
    ]


def _matches(expected: AppointmentExpect, state: AppointmentState) -> bool:
    return (
        (not expected.patient or expected.patient.casefold() == state.patient.casefold())
        and (not expected.appointment_type or expected.appointment_type == state.appointment_type)
        and (not expected.provider or expected.provider == state.provider)
        and expected.status == state.status
    )


def describe(state: AppointmentState) -> str:
    return (
        f"{state.patient}: {state.appointment_type} with {state.provider} at "
        f"{state.start.isoformat(timespec='minutes')} {state.status}"
    )


def appointment_problems(
    expected: Sequence[AppointmentExpect], changes: Sequence[AppointmentState]
) -> list[str]:
    """Each expected appointment must match a distinct change; returns what is missing."""
    left = list(changes)
    problems = []
    for item in expected:
        found = next((state for state in left if _matches(item, state)), None)
        if found is None:
            wanted = ", ".join(f"{k}={v}" for k, v in item.model_dump().items() if v)
            seen = "; ".join(describe(s) for s in changes) or "nothing changed"
            problems.append(f"expected an appointment change ({wanted}); changes: {seen}")
        else:
            left.remove(found)
    return problems


def enum_word(name: str, prefix: str) -> str:
    """``HANDOFF_REASON_CALLER_REQUEST`` -> ``caller_request``."""
    word = name.removeprefix(prefix).lower()
    return "" if word == "unspecified" else word


@dataclass(frozen=True)
class HandoffFacts:
    handoff_id: str
    reason: str
    urgency: str
    completeness: float
    missing_fields: tuple[str, ...]


def facts(packet: handoff_pb2.HandoffPacket) -> HandoffFacts:
    return HandoffFacts(
        handoff_id=packet.handoff_id,
        reason=enum_word(common_pb2.HandoffReason.Name(packet.reason), "HANDOFF_REASON_"),
        urgency=enum_word(common_pb2.Urgency.Name(packet.urgency), "URGENCY_"),
        completeness=packet.completeness,
        missing_fields=tuple(packet.missing_fields),
    )


class HandoffReader:
    """Reads handoff packets from the Handoff service over gRPC."""

    def __init__(self, channel: grpc.aio.Channel, timeout: float = 5.0) -> None:
        self._stub = handoff_pb2_grpc.HandoffStub(channel)
        self._timeout = timeout

    async def find(self, call_id: str, handoff_id: str = "") -> HandoffFacts | None:
        """The call's handoff: by id when known, else the newest listed with this call id."""
        if handoff_id:
            packet = await self._stub.Get(
                handoff_pb2.GetHandoffRequest(handoff_id=handoff_id), timeout=self._timeout
            )
            return facts(packet)
        states = [
            handoff_pb2.HANDOFF_STATE_OPEN,
            handoff_pb2.HANDOFF_STATE_CALLBACK,
            handoff_pb2.HANDOFF_STATE_CLAIMED,
            handoff_pb2.HANDOFF_STATE_RESOLVED,
        ]
        listed = await self._stub.List(
            handoff_pb2.ListHandoffsRequest(states=states, page_size=500), timeout=self._timeout
        )
        mine = [p for p in listed.handoffs if p.call_id == call_id]
        return facts(mine[-1]) if mine else None


def handoff_problems(expected: HandoffExpect, found: HandoffFacts | None) -> list[str]:
    if found is None:
        return ["expected a handoff, but the call created none"]
    problems = []
    if expected.reason and expected.reason != found.reason:
        problems.append(f"handoff reason is {found.reason!r}, expected {expected.reason!r}")
    if expected.urgency and expected.urgency != found.urgency:
        problems.append(f"handoff urgency is {found.urgency!r}, expected {expected.urgency!r}")
    if found.completeness < expected.min_completeness:
        problems.append(
            f"handoff completeness {found.completeness:.2f} < {expected.min_completeness:.2f}"
            f" (missing: {', '.join(found.missing_fields) or 'nothing listed'})"
        )
    return problems
