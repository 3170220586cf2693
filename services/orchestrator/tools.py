"""The policy's tools, carried out over NATS against scheduler_adapter and handoff.

Converts between the dialogue vocabulary (``orchestrator.dialogue``) and the protobuf contract.
Every write carries an idempotency key made of the call and what is written (the slot and hold,
the appointment), so a turn that is run again, or a write retried after a deadline that had in
fact succeeded, returns the first result instead of booking twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from frontdesk.v1 import common_pb2, handoff_pb2, scheduler_pb2
from orchestrator.dialogue import (
    AppointmentInfo,
    DialogueState,
    HandoffTicket,
    SlotOption,
    Tool,
    ToolBook,
    ToolCancel,
    ToolCreateHandoff,
    ToolFindSlots,
    ToolHoldSlot,
    ToolListAppointments,
    ToolReschedule,
    ToolResult,
    ToolVerifyIdentity,
    VerifiedIdentity,
)
from servicekit import BusClient
from servicekit.errors import ResourceExhausted

SCHEDULER = "frontdesk.scheduler_adapter."
HANDOFF = "frontdesk.handoff."
PARTS_OF_DAY = {
    "morning": scheduler_pb2.PART_OF_DAY_MORNING,
    "afternoon": scheduler_pb2.PART_OF_DAY_AFTERNOON,
    "evening": scheduler_pb2.PART_OF_DAY_EVENING,
}
URGENCIES = {
    "routine": common_pb2.URGENCY_ROUTINE,
    "soon": common_pb2.URGENCY_SOON,
    "urgent": common_pb2.URGENCY_URGENT,
}
HOLD_SECONDS = 180


def _timestamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp


def slot_option(slot: common_pb2.Slot) -> SlotOption:
    return SlotOption(
        slot_id=slot.slot_id,
        provider_id=slot.provider_id,
        provider_name=slot.provider_name,
        appointment_type=slot.appointment_type,
        start=slot.start_time.ToDatetime(tzinfo=UTC),
        end=slot.end_time.ToDatetime(tzinfo=UTC),
    )


def appointment_info(appointment: common_pb2.Appointment) -> AppointmentInfo:
    return AppointmentInfo(appointment.appointment_id, slot_option(appointment.slot))


def handoff_reason(reason: str) -> common_pb2.HandoffReason.ValueType:
    return common_pb2.HandoffReason.Value(f"HANDOFF_REASON_{reason.upper()}")


class NatsTools:
    """Tools for one call, over NATS.

    Args:
        bus: the NATS client.
        call_id, clinic_id, caller_number: the call.
        turn_id: the turn, for idempotency keys.
        timeout: deadline of each tool call, in seconds.
    """

    def __init__(
        self,
        bus: BusClient,
        *,
        call_id: str,
        clinic_id: str,
        caller_number: str,
        turn_id: str,
        timeout: float = 3.0,
        hold_seconds: int = HOLD_SECONDS,
        verification_proof: str = "",
    ) -> None:
        self._bus = bus
        self._call_id = call_id
        self._clinic_id = clinic_id
        self._caller_number = caller_number
        self._turn_id = turn_id
        self._timeout = timeout
        self._hold_seconds = hold_seconds
        # Filled by VerifyIdentity: the record's identifiers, for the call's PHI redaction.
        self.known: common_pb2.KnownIdentity | None = None
        # The scheduler's proof of this call's verification (from the session, or renewed by
        # VerifyIdentity): attached to every request; the session keeps it, never a log.
        self.verification_proof = verification_proof
        # Summaries of the handoffs this turn created, by handoff id (PHI: redact before use).
        self.handoff_summaries: dict[str, str] = {}

    def _context(self, state: DialogueState) -> common_pb2.CallContext:
        return common_pb2.CallContext(
            call_id=self._call_id,
            clinic_id=self._clinic_id,
            verified_patient_id=state.verified_patient_id,
            actor="orchestrator",
            verification_proof=self.verification_proof,
        )

    def _key(self, *parts: str) -> str:
        return ":".join((self._call_id, *parts))

    async def run(self, tool: Tool, state: DialogueState, step: int) -> ToolResult:
        name = type(tool).__name__
        value = await self._dispatch(tool, state, step)
        return ToolResult(tool=name, value=value)

    async def _dispatch(self, tool: Tool, state: DialogueState, step: int) -> object:
        context = self._context(state)
        call = self._bus.call
        t = self._timeout
        if isinstance(tool, ToolVerifyIdentity):
            try:
                verified = await call(
                    SCHEDULER + "VerifyIdentity",
                    scheduler_pb2.VerifyIdentityRequest(
                        context=context,
                        full_name=tool.full_name,
                        date_of_birth=tool.date_of_birth.isoformat(),
                        caller_number=self._caller_number,
                    ),
                    scheduler_pb2.VerifyIdentityResponse,
                    timeout=t,
                )
            except ResourceExhausted:
                # Too many failed attempts for this number or record, across calls.
                return VerifiedIdentity(False, "", locked_out=True)
            if verified.verified:
                self.known = verified.known
                self.verification_proof = verified.proof
            return VerifiedIdentity(verified.verified, verified.patient_id)
        if isinstance(tool, ToolFindSlots):
            found = await call(
                SCHEDULER + "FindSlots",
                scheduler_pb2.FindSlotsRequest(
                    context=context,
                    appointment_type=tool.appointment_type,
                    provider_id=tool.provider_id,
                    start_after=_timestamp(tool.start_after),
                    start_before=_timestamp(tool.start_before),
                    part_of_day=PARTS_OF_DAY.get(
                        tool.part_of_day, scheduler_pb2.PART_OF_DAY_UNSPECIFIED
                    ),
                    page_size=tool.limit,
                ),
                scheduler_pb2.FindSlotsResponse,
                timeout=t,
            )
            return tuple(slot_option(slot) for slot in found.slots)
        if isinstance(tool, ToolHoldSlot):
            hold = await call(
                SCHEDULER + "HoldSlot",
                scheduler_pb2.HoldSlotRequest(
                    context=context, slot_id=tool.slot_id, ttl_seconds=self._hold_seconds
                ),
                scheduler_pb2.Hold,
                timeout=t,
            )
            return hold.hold_id
        if isinstance(tool, ToolBook):
            booked = await call(
                SCHEDULER + "Book",
                scheduler_pb2.BookRequest(
                    context=context,
                    patient_id=state.verified_patient_id,
                    slot_id=tool.slot_id,
                    hold_id=tool.hold_id,
                    idempotency_key=self._key("book", tool.slot_id, tool.hold_id),
                ),
                common_pb2.Appointment,
                timeout=t,
            )
            return appointment_info(booked)
        if isinstance(tool, ToolCancel):
            cancelled = await call(
                SCHEDULER + "Cancel",
                scheduler_pb2.CancelRequest(
                    context=context,
                    patient_id=state.verified_patient_id,
                    appointment_id=tool.appointment_id,
                    idempotency_key=self._key("cancel", tool.appointment_id),
                ),
                common_pb2.Appointment,
                timeout=t,
            )
            return appointment_info(cancelled)
        if isinstance(tool, ToolReschedule):
            moved = await call(
                SCHEDULER + "Reschedule",
                scheduler_pb2.RescheduleRequest(
                    context=context,
                    patient_id=state.verified_patient_id,
                    appointment_id=tool.appointment_id,
                    new_slot_id=tool.new_slot_id,
                    hold_id=tool.hold_id,
                    idempotency_key=self._key("reschedule", tool.appointment_id, tool.new_slot_id),
                ),
                scheduler_pb2.RescheduleResponse,
                timeout=t,
            )
            return appointment_info(moved.booked)
        if isinstance(tool, ToolListAppointments):
            listed = await call(
                SCHEDULER + "ListAppointments",
                scheduler_pb2.ListAppointmentsRequest(
                    context=context, patient_id=state.verified_patient_id
                ),
                scheduler_pb2.ListAppointmentsResponse,
                timeout=t,
            )
            return tuple(appointment_info(a) for a in listed.appointments)
        if isinstance(tool, ToolCreateHandoff):
            created = await call(
                HANDOFF + "Create",
                handoff_pb2.CreateHandoffRequest(
                    context=context,
                    idempotency_key=self._key("handoff", self._turn_id, str(step)),
                    packet=handoff_pb2.HandoffPacket(
                        call_id=self._call_id,
                        clinic_id=self._clinic_id,
                        caller_name=tool.caller_name or state.caller_name,
                        callback_number=tool.callback_number or self._caller_number,
                        identity_verified=bool(state.verified_patient_id),
                        patient_id=state.verified_patient_id,
                        reason=handoff_reason(tool.reason),
                        urgency=URGENCIES.get(tool.urgency, common_pb2.URGENCY_SOON),
                        summary=tool.summary,
                        intents_tried=list(state.intents_tried),
                        slots={
                            k: str(v)
                            for k, v in state.packet_slots().items()
                            if isinstance(v, str | int | float) and not k.startswith("_")
                        },
                        transcript_excerpt=[
                            common_pb2.TranscriptLine(speaker=speaker, text=text)
                            for speaker, text in state.transcript[-8:]
                        ],
                    ),
                ),
                handoff_pb2.CreateHandoffResponse,
                timeout=t,
            )
            self.handoff_summaries[created.packet.handoff_id] = tool.summary
            return HandoffTicket(
                handoff_id=created.packet.handoff_id,
                target=created.target.address,
                callback=created.target.kind == "callback",
            )
        raise TypeError(f"unknown tool {tool!r}")
