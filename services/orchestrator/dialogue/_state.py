"""The dialogue state: phases as an enum, memory as dataclasses, transitions as a table.

``DialogueState`` is what a policy remembers between events. It is frozen; a policy works on a
deep copy of its parts and returns a new one, so a step that raises leaves the state it was given
unchanged. It round-trips through JSON (``to_json`` / ``from_json``, checked by pydantic) because
it lives in the NATS KV bucket between turns and any replica may serve the next turn.

Phases move only along ``TRANSITIONS``: ``check_transition(Phase.OFFER, Phase.COMMITTING)``
raises ``IllegalTransition`` (nothing is committed without passing the read-back), as does any
move out of ``Phase.ENDED``. Events are checked too: ``CallStarted`` only opens a call
(``check_event``); a call that is over absorbs whatever arrives late (a hang-up after the
goodbye) without acting on it. Every phase may stay where it is, hand off (``HANDOFF_NAME``,
``HANDOFF``) or end.

Exceptions::

    DialogueError
    ├── IllegalTransition   a phase change the table does not allow
    └── IllegalEvent        an event that cannot happen now (``check_event``)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter

from orchestrator.dialogue._vocabulary import CallStarted, Event


class Phase(StrEnum):
    """Where the conversation stands: what the last question asked, or which tool is awaited."""

    START = "start"
    INTENT = "intent"  # "How can I help you today?"
    ASK_NAME = "ask_name"
    ASK_DOB = "ask_dob"
    VERIFYING = "verifying"  # awaiting ToolVerifyIdentity
    LISTING = "listing"  # awaiting ToolListAppointments
    PICK_APPOINTMENT = "pick_appointment"  # "Which one would you like to move?"
    ASK_TYPE = "ask_type"
    ASK_TIME = "ask_time"
    FINDING = "finding"  # awaiting ToolFindSlots
    OFFER = "offer"  # "Which one works for you?"
    HOLDING = "holding"  # awaiting ToolHoldSlot
    CONFIRM = "confirm"  # the read-back: "Shall I book it?"
    COMMITTING = "committing"  # awaiting ToolBook / ToolCancel / ToolReschedule
    ANYTHING_ELSE = "anything_else"
    OFFER_BOOK = "offer_book"  # "Would you like to book a new appointment?"
    OFFER_HANDOFF = "offer_handoff"  # "Would you like me to connect you with someone?"
    HANDOFF_NAME = "handoff_name"  # the name asked for before a non-urgent handoff
    HANDOFF = "handoff"  # awaiting ToolCreateHandoff
    ENDED = "ended"


class DialogueError(Exception):
    """Base of the dialogue state machine's errors."""


class IllegalTransition(DialogueError):
    """A phase change that ``TRANSITIONS`` does not allow (a policy bug, never caller input)."""

    def __init__(self, source: Phase, target: Phase) -> None:
        super().__init__(f"illegal dialogue transition {source.value} -> {target.value}")
        self.source = source
        self.target = target


class IllegalEvent(DialogueError):
    """An event that cannot happen in the current phase (a client bug, never caller input)."""

    def __init__(self, phase: Phase, event: Event) -> None:
        super().__init__(f"{type(event).__name__} cannot happen in phase {phase.value}")
        self.phase = phase
        self.event = event


P = Phase
# Where a new request can start from any phase the caller speaks in: identity first, or
# straight to its next step once verified; or back to "anything else?" when it is dropped.
_REQUEST_STARTS = frozenset(
    {P.ASK_NAME, P.ASK_DOB, P.VERIFYING, P.ASK_TYPE, P.ASK_TIME, P.FINDING, P.LISTING}
)
_TALKING = frozenset({P.INTENT, P.ANYTHING_ELSE}) | _REQUEST_STARTS
# Reachable from everywhere (but ENDED): hand off, or end (goodbye, hang-up).
_ALWAYS = frozenset({P.HANDOFF_NAME, P.HANDOFF, P.ENDED})

TRANSITIONS: Mapping[Phase, frozenset[Phase]] = {
    P.START: frozenset({P.INTENT}),
    P.INTENT: _TALKING,
    P.ANYTHING_ELSE: _TALKING,
    P.ASK_NAME: _TALKING | {P.ASK_DOB, P.VERIFYING},
    P.ASK_DOB: _TALKING | {P.VERIFYING},
    P.VERIFYING: _TALKING | {P.ASK_NAME},
    P.LISTING: _TALKING | {P.OFFER_BOOK, P.PICK_APPOINTMENT, P.CONFIRM},
    P.PICK_APPOINTMENT: _TALKING | {P.CONFIRM},
    P.OFFER_BOOK: _TALKING,
    P.ASK_TYPE: _TALKING,
    P.ASK_TIME: _TALKING,
    P.FINDING: _TALKING | {P.OFFER, P.OFFER_HANDOFF},
    P.OFFER: _TALKING | {P.HOLDING},
    P.OFFER_HANDOFF: _TALKING,
    P.HOLDING: _TALKING | {P.CONFIRM},
    # Only the read-back leads to a commitment.
    P.CONFIRM: _TALKING | {P.COMMITTING},
    P.COMMITTING: _TALKING,
    P.HANDOFF_NAME: frozenset(),
    # A caller who barges in while the handoff is being created can still be helped.
    P.HANDOFF: _TALKING,
    P.ENDED: frozenset(),
}


def check_transition(source: Phase, target: Phase) -> None:
    """Raises ``IllegalTransition`` unless ``source -> target`` is allowed."""
    if source is Phase.ENDED and target is not Phase.ENDED:
        raise IllegalTransition(source, target)
    if target == source or target in _ALWAYS or target in TRANSITIONS[source]:
        return
    raise IllegalTransition(source, target)


def check_event(phase: Phase, event: Event) -> None:
    """Raises ``IllegalEvent`` for an event that cannot happen in ``phase``: a second
    ``CallStarted`` would greet a caller who is mid-conversation."""
    if isinstance(event, CallStarted) and phase is not Phase.START:
        raise IllegalEvent(phase, event)


# --- memory -------------------------------------------------------------------------------
# Slots and offers are kept in their JSON form (``rules.serial``): ISO strings, plain values.


@dataclass
class Request:
    """The appointment request under way; a new request starts from an empty one."""

    visit_type: str = ""  # appointment type code
    provider: str = ""  # provider id; "" any
    when: dict[str, Any] | None = None  # understanding.dates.TimePreference.to_data()
    offers: list[dict[str, Any]] = field(default_factory=list)
    chosen: dict[str, Any] | None = None
    hold_id: str = ""
    appointments: list[dict[str, Any]] = field(default_factory=list)
    target: dict[str, Any] | None = None  # the existing appointment to move or cancel
    widen: int = 0  # 0 as asked, 1 any time, 2 any provider too
    taken: list[str] = field(default_factory=list)  # slot ids found taken meanwhile
    retaking: bool = False  # the chosen slot was just taken: offer the nearest other one
    readback: str = ""  # what the caller is asked to agree to
    readback_unheard: bool = False  # the caller talked over it
    means_made: bool = False  # "cancel that": the request is about the appointment just made


@dataclass
class PendingTool:
    """The tool asked for and not yet answered, to retry it or match its result."""

    kind: str  # the Tool class name
    args: dict[str, Any]
    retried: bool = False


@dataclass
class HandoffPlan:
    reason: str
    urgency: str
    name_asked: bool = False
    detail: str = ""
    repeated: bool = False  # the name question was repeated once on request
    script: str = ""  # emergencies: the safety.Script spoken ("crisis" | "medical")


@dataclass
class Volunteered:
    """What the caller said before it was asked for, kept to be used when it is needed."""

    date_of_birth: str = ""  # ISO


@dataclass
class ModelMemory:
    """What the LLM policy (``orchestrator.llm``) keeps besides the shared fields above: the
    prompt template chosen at call start, the call's placeholder vault (PHI: the values the
    placeholders stand for), the conversation as the model sees it (placeholders only), and
    whether the rules policy has taken the call over (and why)."""

    template: str = ""
    placeholders: dict[str, str] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    # The model's tool call awaiting the dialogue tool it became: {"id", "name", "args"}.
    awaiting: dict[str, Any] | None = None
    consented: bool = False  # the caller said an explicit yes to the read-back in force
    calls_this_turn: int = 0
    utterance: str = ""  # this turn's caller text (PHI), replayed if the rules take over
    tools_this_turn: int = 0
    # "" while the model leads; else why the rules policy took over ("emergency",
    # "caller_request", "handoff", "unavailable", "cost_cap", "model_loop").
    handed_over: str = ""


@dataclass(frozen=True)
class DialogueState:
    """Everything a policy remembers between events.

    The first fields are the ones other code reads (session view, handoff packet, call
    outcome, PHI ``Known``); the rest is the policy's memory.
    """

    phase: Phase = Phase.START
    intent: str = ""
    intents_tried: tuple[str, ...] = ()
    verified_patient_id: str = ""
    caller_name: str = ""  # as the caller gave it (PHI: for the handoff packet and redaction only)
    date_of_birth: str = ""  # ISO, as the caller gave it (PHI: as above)
    transcript: tuple[tuple[str, str], ...] = ()  # (speaker, text), most recent last, bounded
    outcome: str = ""  # "", or an Outcome value once the call is over
    handoff_id: str = ""
    request: Request = field(default_factory=Request)
    pending: PendingTool | None = None
    handoff: HandoffPlan | None = None
    volunteered: Volunteered = field(default_factory=Volunteered)
    misunderstood: int = 0  # unclear answers in a row
    verify_failures: int = 0
    first_name: str = ""  # a first name given alone, while the last name is asked for
    notes: tuple[str, ...] = ()  # what happened, for the handoff summary (last few)
    identity_check: str = ""  # verified | failed | incomplete | not_attempted (at handoff)
    made: dict[str, Any] | None = None  # the appointment this call last booked or moved
    model: ModelMemory | None = None  # the LLM policy's memory (None under the rules policy)

    def to_json(self) -> str:
        return _ADAPTER.dump_json(self).decode()

    @classmethod
    def from_json(cls, raw: str | bytes) -> DialogueState:
        return _ADAPTER.validate_json(raw)

    @classmethod
    def from_dict(cls, fields: dict[str, Any]) -> DialogueState:
        """From ``to_json``'s JSON already parsed (a session read from the bucket)."""
        return _ADAPTER.validate_python(fields)

    def packet_slots(self) -> dict[str, str]:
        """What the handoff packet's ``slots`` carry: the request's plain values and where
        verification stands (no PHI: names and dates of birth travel in their own fields)."""
        slots = {
            "visit_type": self.request.visit_type,
            "provider": self.request.provider,
            "identity_check": self.identity_check,
            "misunderstood": str(self.misunderstood),
            "verify_failures": str(self.verify_failures),
        }
        return {key: value for key, value in slots.items() if value not in ("", "0")}


_ADAPTER: TypeAdapter[DialogueState] = TypeAdapter(DialogueState)


def replace_phase(state: DialogueState, phase: Phase) -> DialogueState:
    """The state in ``phase``, if the table allows it (else ``IllegalTransition``)."""
    check_transition(state.phase, phase)
    return dataclasses.replace(state, phase=phase)
