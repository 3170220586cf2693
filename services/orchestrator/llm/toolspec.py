"""The tools the model is offered: names, what they do, JSON Schema of their arguments.

They are the rules policy's operations seen from the model's side: options are numbered (the
model says ``option: 1``, never a slot id), identifiers are placeholders, and the two-step
change (``prepare_change`` reads it back, ``make_change`` makes it) lets the code, not the
prompt, decide whether the caller agreed.
"""

from __future__ import annotations

import json
from typing import Any

from orchestrator.dialogue import ModelTool


def _tool(
    name: str, description: str, properties: dict[str, Any], required: list[str]
) -> ModelTool:
    schema = {"type": "object", "properties": properties, "required": required}
    return ModelTool(name, description, json.dumps(schema, separators=(",", ":")))


VERIFY_IDENTITY = "verify_identity"
FIND_SLOTS = "find_slots"
LIST_APPOINTMENTS = "list_appointments"
PREPARE_CHANGE = "prepare_change"
MAKE_CHANGE = "make_change"
TRANSFER_TO_STAFF = "transfer_to_staff"
END_CALL = "end_call"

MODEL_TOOLS: tuple[ModelTool, ...] = (
    _tool(
        VERIFY_IDENTITY,
        "Check the caller's identity against the clinic's records. Required before anything "
        "about their appointments.",
        {
            "full_name": {"type": "string", "description": "e.g. [NAME_1]"},
            "date_of_birth": {"type": "string", "description": "e.g. [DOB_1]"},
        },
        ["full_name", "date_of_birth"],
    ),
    _tool(
        FIND_SLOTS,
        "Find free appointment times. Returns numbered options.",
        {
            "appointment_type": {"type": "string", "description": "a visit type code"},
            "provider_id": {"type": "string", "description": "a provider id, or empty"},
            "day": {"type": "string", "description": "e.g. 'next tuesday', or empty"},
            "part_of_day": {"type": "string", "enum": ["", "morning", "afternoon", "evening"]},
            "appointment": {
                "type": "integer",
                "minimum": 1,
                "description": "to reschedule: the appointment number from list_appointments",
            },
        },
        [],
    ),
    _tool(
        LIST_APPOINTMENTS,
        "The verified caller's upcoming appointments, numbered.",
        {},
        [],
    ),
    _tool(
        PREPARE_CHANGE,
        "Read a booking, cancellation or reschedule back to the caller and ask for their yes. "
        "book: option from find_slots; cancel: appointment from list_appointments; "
        "reschedule: both.",
        {
            "action": {"type": "string", "enum": ["book", "cancel", "reschedule"]},
            "option": {"type": "integer", "minimum": 1},
            "appointment": {"type": "integer", "minimum": 1},
        },
        ["action"],
    ),
    _tool(
        MAKE_CHANGE,
        "Make the change read back by prepare_change. Works only after the caller said yes.",
        {},
        [],
    ),
    _tool(
        TRANSFER_TO_STAFF,
        "Hand the call to a person at the clinic.",
        {
            "reason": {
                "type": "string",
                "enum": ["caller_request", "out_of_scope", "misunderstanding"],
            },
            "summary": {"type": "string", "description": "one sentence for the staff member"},
        },
        ["reason"],
    ),
    _tool(END_CALL, "End the call after saying goodbye.", {}, []),
)
