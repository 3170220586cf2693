"""What a dialogue policy sees (events, ``Context``) and asks for (actions): frozen dataclasses.

A policy is pure: ``policy.step(state, event, context) -> Step(state, actions)``. The driver
(``orchestrator.driver``) runs the actions: it speaks ``Say``, calls the scheduler or handoff
service for a ``Tool*`` action and feeds the result back as a ``ToolResult`` event, and turns
``Transfer`` / ``EndCall`` into the turn's last events. The state is in ``_state``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from clinic import Clinic

if TYPE_CHECKING:
    from orchestrator.dialogue._state import DialogueState

# --- what the policy sees ---------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What a step may read besides the state: the clinic and the current instant."""

    clinic: Clinic
    now: datetime  # timezone-aware
    caller_number: str = ""


@dataclass(frozen=True)
class CallStarted:
    """The call was just set up: greet."""


@dataclass(frozen=True)
class CallerSaid:
    text: str


@dataclass(frozen=True)
class CallerPressed:
    """DTMF digits, one or more."""

    digits: str


@dataclass(frozen=True)
class CallerInterrupted:
    """The caller barged in; ``heard_text`` is what was actually spoken of the last reply."""

    heard_text: str


@dataclass(frozen=True)
class CallerHungUp:
    reason: str = ""


@dataclass(frozen=True)
class SlotOption:
    slot_id: str
    provider_id: str
    provider_name: str
    appointment_type: str
    start: datetime  # timezone-aware
    end: datetime


@dataclass(frozen=True)
class AppointmentInfo:
    appointment_id: str
    slot: SlotOption


@dataclass(frozen=True)
class ToolResult:
    """The answer to the last ``Tool*`` action. ``error`` is set instead of ``value`` on failure:
    a status code name ("FAILED_PRECONDITION", "UNAVAILABLE", …) and a message."""

    tool: str
    value: Any = None
    error_code: str = ""
    error_message: str = ""

    @property
    def ok(self) -> bool:
        return not self.error_code


Event = CallStarted | CallerSaid | CallerPressed | CallerInterrupted | CallerHungUp | ToolResult

# --- what the policy asks for -----------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class ToolVerifyIdentity:
    """Result value: ``VerifiedIdentity`` (verified False when no record matches)."""

    full_name: str
    date_of_birth: date


@dataclass(frozen=True)
class VerifiedIdentity:
    verified: bool
    patient_id: str = ""
    # The scheduler refused to check: too many failed attempts for this caller number or
    # patient record across calls. The caller goes to staff, as after failed verification.
    locked_out: bool = False


@dataclass(frozen=True)
class ToolFindSlots:
    """Result value: ``tuple[SlotOption, ...]`` (earliest first)."""

    appointment_type: str = ""
    provider_id: str = ""
    start_after: datetime | None = None
    start_before: datetime | None = None
    part_of_day: str = ""  # "", "morning", "afternoon", "evening"
    limit: int = 3


@dataclass(frozen=True)
class ToolHoldSlot:
    """Result value: the hold id (str)."""

    slot_id: str


@dataclass(frozen=True)
class ToolBook:
    """Result value: ``AppointmentInfo``. Error FAILED_PRECONDITION: the slot was taken."""

    slot_id: str
    hold_id: str = ""


@dataclass(frozen=True)
class ToolCancel:
    """Result value: ``AppointmentInfo`` (now cancelled)."""

    appointment_id: str


@dataclass(frozen=True)
class ToolReschedule:
    """Result value: ``AppointmentInfo`` (the new appointment)."""

    appointment_id: str
    new_slot_id: str
    hold_id: str = ""


@dataclass(frozen=True)
class ToolListAppointments:
    """Result value: ``tuple[AppointmentInfo, ...]`` (upcoming, booked)."""


@dataclass(frozen=True)
class ToolCreateHandoff:
    """Result value: ``HandoffTicket``. Reason and urgency are the proto enum names without
    prefix, lower case: reason in {"caller_request", "emergency", "misunderstanding",
    "out_of_scope", "identity_failed", "system_error"}, urgency in {"routine", "soon", "urgent"}."""

    reason: str
    urgency: str
    summary: str
    caller_name: str = ""
    callback_number: str = ""


@dataclass(frozen=True)
class HandoffTicket:
    handoff_id: str
    target: str  # SIP URI or queue
    callback: bool  # True: nobody is available now; the clinic calls back


@dataclass(frozen=True)
class Transfer:
    """Transfer the call to a person; the turn ends after it."""

    target: str
    handoff_id: str
    reason: str
    urgency: str


class Outcome(StrEnum):
    CONTAINED = "contained"
    HANDOFF = "handoff"
    ABANDONED = "abandoned"


@dataclass(frozen=True)
class EndCall:
    """The call is over (after the goodbye or the transfer)."""

    outcome: Outcome
    handoff_id: str = ""


@dataclass(frozen=True)
class ModelToolCall:
    """A tool the model asked for; ``arguments_json`` is a JSON object (placeholders kept)."""

    id: str
    name: str
    arguments_json: str = "{}"


@dataclass(frozen=True)
class ModelMessage:
    """One chat message as the model sees it: placeholders, never raw identifiers."""

    role: str  # "system", "user", "assistant", "tool"
    content: str = ""
    tool_call_id: str = ""
    tool_calls: tuple[ModelToolCall, ...] = ()


@dataclass(frozen=True)
class ModelTool:
    """A tool offered to the model: name, what it does, JSON Schema of its arguments."""

    name: str
    description: str
    parameters_json: str


@dataclass(frozen=True)
class AskModel:
    """The LLM policy asks the model for its next message. The driver streams the reply's text
    to the caller sentence by sentence, placeholders filled in from the call's vault. Result
    value: ``ModelReply``; error UNAVAILABLE (every provider down) or RESOURCE_EXHAUSTED (the
    call's cost cap) makes the policy hand the call to the rules policy."""

    messages: tuple[ModelMessage, ...]
    tools: tuple[ModelTool, ...] = ()


@dataclass(frozen=True)
class ModelReply:
    text: str  # as the model wrote it (placeholders kept)
    spoken: str  # what the caller heard of it (placeholders filled in)
    tool_calls: tuple[ModelToolCall, ...] = ()


Tool = (
    ToolVerifyIdentity
    | ToolFindSlots
    | ToolHoldSlot
    | ToolBook
    | ToolCancel
    | ToolReschedule
    | ToolListAppointments
    | ToolCreateHandoff
)
Action = Say | Tool | AskModel | Transfer | EndCall

# A step asks for at most one tool, as its last action: the driver runs it and feeds the
# ToolResult straight back, so a turn is a short chain of steps.


@dataclass(frozen=True)
class Step:
    state: DialogueState
    actions: tuple[Action, ...]


class Policy(Protocol):
    """A dialogue policy: pure, deterministic for a given state, event and context."""

    name: str

    def step(self, state: DialogueState, event: Event, context: Context) -> Step: ...
