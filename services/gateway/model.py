"""The gateway's domain messages: what the telephony side sends and receives, and what a turn
carries to and from the orchestrator. Plain frozen dataclasses; :mod:`gateway.convert` maps them
to and from protobuf.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- from the telephony gateway ----------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """The first message of every call."""

    call_id: str
    from_number: str = ""
    to_number: str = ""
    clinic_id: str = ""
    custom_parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Prompt:
    """Caller speech as text; only ``last`` (final) prompts become turns."""

    text: str
    last: bool
    language: str = ""


@dataclass(frozen=True)
class Digit:
    """One keypad key: 0-9, * or #."""

    digit: str


@dataclass(frozen=True)
class Interrupt:
    """The caller talked over the reply; ``heard`` is what they heard of it."""

    heard: str
    duration_ms: int = 0


@dataclass(frozen=True)
class Hangup:
    """The caller hung up (or the telephony side closed the stream)."""

    reason: str = ""


CallerInput = Prompt | Digit | Interrupt | Hangup

# --- to the telephony gateway ------------------------------------------------------------------


@dataclass(frozen=True)
class Speak:
    """One token of a reply to speak; ``last`` on the reply's last token."""

    token: str
    last: bool
    interruptible: bool = True


@dataclass(frozen=True)
class TransferCall:
    """Hand the call to a person at ``target``."""

    target: str
    handoff_id: str = ""
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EndCall:
    """The call is over from our side; ``data`` becomes End.handoff_data (JSON)."""

    data: dict[str, str]


CallerOutput = Speak | TransferCall | EndCall

# --- turns: gateway -> orchestrator ------------------------------------------------------------


@dataclass(frozen=True)
class StartInput:
    """The call was just set up: greet."""


@dataclass(frozen=True)
class TextInput:
    text: str


@dataclass(frozen=True)
class DtmfInput:
    digits: str


@dataclass(frozen=True)
class InterruptedInput:
    """The reply of ``turn_id`` was cut off; only ``heard_text`` of it was spoken."""

    turn_id: str
    heard_text: str


@dataclass(frozen=True)
class EndedInput:
    reason: str


TurnInput = StartInput | TextInput | DtmfInput | InterruptedInput | EndedInput


@dataclass(frozen=True)
class TurnRequest:
    call_id: str
    turn_id: str
    input: TurnInput


@dataclass(frozen=True)
class ClaimRequest:
    call_id: str
    clinic_id: str
    from_number: str
    to_number: str
    custom_parameters: dict[str, str] = field(default_factory=dict)
    # This connection's secret for the call (re-claims present it; see ClaimRequest.claim_token).
    claim_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class Claimed:
    """The orchestrator version that took the call (its turns go there) and the call's clinic."""

    version: str
    clinic_id: str = ""


# --- turns: orchestrator -> gateway ------------------------------------------------------------


@dataclass(frozen=True)
class SayChunk:
    text: str
    last: bool


@dataclass(frozen=True)
class TransferTo:
    target: str
    handoff_id: str
    reason: str  # "caller_request", "emergency", ... ("" when unspecified)
    urgency: str  # "routine", "soon", "urgent" ("" when unspecified)
    summary: str = ""  # the handoff summary, PHI redacted by the orchestrator


@dataclass(frozen=True)
class CallEnd:
    outcome: str  # "contained", "handoff", "abandoned" ("" when unspecified)
    handoff_id: str = ""


TurnEvent = SayChunk | TransferTo | CallEnd
