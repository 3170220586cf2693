"""JSON forms of the dialogue values the rules policy keeps in its state (slots, appointments,
tool requests to re-issue on retry): ISO strings and plain values, so the state stays JSON."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from orchestrator.dialogue import (
    AppointmentInfo,
    SlotOption,
    Tool,
    ToolBook,
    ToolCancel,
    ToolCreateHandoff,
    ToolFindSlots,
    ToolHoldSlot,
    ToolListAppointments,
    ToolReschedule,
    ToolVerifyIdentity,
)

TOOL_KINDS: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        ToolVerifyIdentity,
        ToolFindSlots,
        ToolHoldSlot,
        ToolBook,
        ToolCancel,
        ToolReschedule,
        ToolListAppointments,
        ToolCreateHandoff,
    )
}


def slot_data(slot: SlotOption) -> dict[str, Any]:
    return {
        "slot_id": slot.slot_id,
        "provider_id": slot.provider_id,
        "provider_name": slot.provider_name,
        "appointment_type": slot.appointment_type,
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
    }


def appointment_data(appointment: AppointmentInfo) -> dict[str, Any]:
    return {"appointment_id": appointment.appointment_id, "slot": slot_data(appointment.slot)}


def _field_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def tool_data(tool: Tool) -> dict[str, Any]:
    """A tool request as JSON values, to re-issue it on retry."""
    return {f.name: _field_json(getattr(tool, f.name)) for f in dataclasses.fields(tool)}


def tool_from_data(kind: str, data: dict[str, Any]) -> Tool:
    cls = TOOL_KINDS[kind]
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        value = data.get(f.name)
        kind_hint = str(f.type)
        if isinstance(value, str) and value and "datetime" in kind_hint:
            value = datetime.fromisoformat(value)
        elif isinstance(value, str) and value and kind_hint == "date":
            value = date.fromisoformat(value)
        values[f.name] = value
    tool: Tool = cls(**values)
    return tool
