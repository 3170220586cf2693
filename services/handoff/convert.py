"""Protobuf <-> domain for handoffs.

``completeness`` and ``missing_fields`` are never read from a request: ``to_proto`` computes them
from the packet with ``packet.assess`` so they always match its contents.
"""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from frontdesk.v1 import common_pb2, events_pb2, handoff_pb2
from handoff.packet import Line, Packet, Reason, State, Target, Urgency, assess
from servicekit.errors import InvalidArgument

_REASON_PREFIX = "HANDOFF_REASON_"

_STATE_TO_PROTO: dict[State, handoff_pb2.HandoffState.ValueType] = {
    State.OPEN: handoff_pb2.HANDOFF_STATE_OPEN,
    State.CLAIMED: handoff_pb2.HANDOFF_STATE_CLAIMED,
    State.RESOLVED: handoff_pb2.HANDOFF_STATE_RESOLVED,
    State.CALLBACK: handoff_pb2.HANDOFF_STATE_CALLBACK,
}
_STATE_FROM_PROTO = {value: state for state, value in _STATE_TO_PROTO.items()}


def reason_from_proto(value: int) -> Reason:
    """Domain reason; InvalidArgument for a number this build does not know."""
    try:
        name = common_pb2.HandoffReason.Name(value)  # type: ignore[arg-type]
    except ValueError:
        raise InvalidArgument(f"packet.reason {value} is not a known HandoffReason") from None
    return Reason(name.removeprefix(_REASON_PREFIX).lower())


def reason_to_proto(reason: Reason) -> common_pb2.HandoffReason.ValueType:
    return common_pb2.HandoffReason.Value(_REASON_PREFIX + reason.value.upper())


def urgency_from_proto(value: int) -> Urgency:
    try:
        return Urgency(value)
    except ValueError:
        raise InvalidArgument(f"packet.urgency {value} is not a known Urgency") from None


def state_from_proto(value: int) -> State:
    """Domain state; InvalidArgument for UNSPECIFIED or an unknown number."""
    try:
        return _STATE_FROM_PROTO[value]  # type: ignore[index]
    except KeyError:
        raise InvalidArgument(
            f"state {value} is not one of OPEN, CLAIMED, RESOLVED, CALLBACK"
        ) from None


def state_to_proto(state: State) -> handoff_pb2.HandoffState.ValueType:
    return _STATE_TO_PROTO[state]


def _time_from_proto(stamp: Timestamp, present: bool, field: str = "timestamp") -> datetime | None:
    if not present:
        return None
    try:
        return stamp.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidArgument(
            f"{field} is out of range: years 0001 to 9999 (seconds {stamp.seconds})"
        ) from None


def _stamp(target: Timestamp, value: datetime | None) -> None:
    if value is not None:
        target.FromDatetime(value.astimezone(UTC))


def packet_from_proto(message: handoff_pb2.HandoffPacket) -> Packet:
    """The caller-supplied parts of a packet; service-set fields are left at their defaults."""
    return Packet(
        handoff_id="",
        call_id=message.call_id.strip(),
        clinic_id=message.clinic_id.strip(),
        reason=reason_from_proto(message.reason),
        urgency=urgency_from_proto(message.urgency),
        caller_name=message.caller_name.strip(),
        callback_number=message.callback_number.strip(),
        identity_verified=message.identity_verified,
        patient_id=message.patient_id,
        summary=message.summary.strip(),
        intents_tried=tuple(message.intents_tried),
        slots=dict(message.slots),
        transcript_excerpt=tuple(
            Line(
                speaker=line.speaker,
                text=line.text,
                at=_time_from_proto(line.at, line.HasField("at"), "transcript_excerpt.at"),
            )
            for line in message.transcript_excerpt
        ),
    )


def target_to_proto(target: Target | None) -> handoff_pb2.TransferTarget:
    if target is None:
        return handoff_pb2.TransferTarget()
    return handoff_pb2.TransferTarget(kind=target.kind, address=target.address)


def packet_to_proto(packet: Packet) -> handoff_pb2.HandoffPacket:
    """The full packet, caller details included: for agents, never for events."""
    score = assess(packet)
    message = handoff_pb2.HandoffPacket(
        handoff_id=packet.handoff_id,
        call_id=packet.call_id,
        clinic_id=packet.clinic_id,
        caller_name=packet.caller_name,
        callback_number=packet.callback_number,
        identity_verified=packet.identity_verified,
        patient_id=packet.patient_id,
        reason=reason_to_proto(packet.reason),
        urgency=common_pb2.Urgency.ValueType(int(packet.urgency)),
        summary=packet.summary,
        intents_tried=list(packet.intents_tried),
        slots=dict(packet.slots),
        completeness=score.completeness,
        missing_fields=list(score.missing),
        state=state_to_proto(packet.state),
        target=target_to_proto(packet.target),
        agent_id=packet.agent_id,
        resolution=packet.resolution,
    )
    for line in packet.transcript_excerpt:
        added = message.transcript_excerpt.add(speaker=line.speaker, text=line.text)
        _stamp(added.at, line.at)
    _stamp(message.create_time, packet.create_time)
    _stamp(message.claim_time, packet.claim_time)
    _stamp(message.resolve_time, packet.resolve_time)
    return message


def created_event(packet: Packet, redacted_summary: str) -> events_pb2.HandoffCreated:
    """The ``HandoffCreated`` event: ids, reason, urgency, score and the *redacted* summary only."""
    score = assess(packet)
    event = events_pb2.HandoffCreated(
        handoff_id=packet.handoff_id,
        call_id=packet.call_id,
        clinic_id=packet.clinic_id,
        reason=reason_to_proto(packet.reason),
        urgency=common_pb2.Urgency.ValueType(int(packet.urgency)),
        completeness=score.completeness,
        complete=score.complete,
        summary=redacted_summary,
    )
    _stamp(event.time, packet.create_time)
    return event
