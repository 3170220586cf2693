"""The handoff packet and how complete it is.

A packet is complete when an agent can take over without asking the caller again. The required
fields (``REQUIRED_FIELDS``) and what "present" means for each:

==================== ==========================================================================
caller_name          not blank
callback_number      has at least 7 digits (so "unknown" or "n/a" do not count)
reason               not ``Reason.UNSPECIFIED``
urgency              not ``Urgency.UNSPECIFIED``
summary              not blank
identity_verified    the identity outcome is *known*: verified (``identity_verified`` true),
                     verification was tried and failed (reason ``IDENTITY_FAILED``), or it was
                     never needed: the slot ``identity_check`` is ``not_attempted`` (the
                     orchestrator sets it when the caller asked for nothing that requires
                     verification, e.g. a person straight away). A plain false without that
                     slot means "not verified, or verification cut short", so it is missing;
                     ``identity_check=incomplete`` (asked for, not finished) is missing too.
intents_tried        at least one intent
transcript_excerpt   at least one line with text
==================== ==========================================================================

The proto carries only a bool for the identity, so "never needed" travels as a slot
(``IDENTITY_SLOT``); a packet without the slot is scored as before.

``assess(packet)`` gives the share present (0..1) and the missing names, in that order::

    score = assess(packet)
    score.completeness, score.missing, score.complete
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


class Reason(enum.Enum):
    """Why a call is handed over; values are the proto enum names without prefix, lower case
    (the keys of a clinic's ``transfer_targets.by_reason``)."""

    UNSPECIFIED = "unspecified"
    CALLER_REQUEST = "caller_request"
    EMERGENCY = "emergency"
    MISUNDERSTANDING = "misunderstanding"
    OUT_OF_SCOPE = "out_of_scope"
    IDENTITY_FAILED = "identity_failed"
    CAPACITY = "capacity"
    SYSTEM_ERROR = "system_error"


class Urgency(enum.IntEnum):
    """How urgently a person must take over; larger is more urgent (lists sort on it)."""

    UNSPECIFIED = 0
    ROUTINE = 1
    SOON = 2
    URGENT = 3


class State(enum.Enum):
    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    CALLBACK = "callback"


@dataclass(frozen=True)
class Target:
    """Where the call goes. ``kind`` is "sip", "queue" or "callback"."""

    kind: str
    address: str


@dataclass(frozen=True)
class Line:
    """One transcript line; ``speaker`` is "caller" or "assistant"."""

    speaker: str
    text: str
    at: datetime | None = None


@dataclass(frozen=True)
class Packet:
    """A handoff as stored and returned to agents (it carries the caller's details)."""

    handoff_id: str
    call_id: str
    clinic_id: str
    reason: Reason
    urgency: Urgency
    caller_name: str = ""
    callback_number: str = ""
    identity_verified: bool = False
    patient_id: str = ""
    summary: str = ""
    intents_tried: tuple[str, ...] = ()
    slots: Mapping[str, str] = field(default_factory=dict)
    transcript_excerpt: tuple[Line, ...] = ()
    state: State = State.OPEN
    target: Target | None = None
    agent_id: str = ""
    resolution: str = ""
    create_time: datetime | None = None
    claim_time: datetime | None = None
    resolve_time: datetime | None = None


REQUIRED_FIELDS: tuple[str, ...] = (
    "caller_name",
    "callback_number",
    "reason",
    "urgency",
    "summary",
    "identity_verified",
    "intents_tried",
    "transcript_excerpt",
)

_MIN_PHONE_DIGITS = 7
# The slot in which the orchestrator says where verification stands (see the module docstring).
IDENTITY_SLOT = "identity_check"
NOT_ATTEMPTED = "not_attempted"


def _present(packet: Packet, name: str) -> bool:
    if name == "caller_name":
        return bool(packet.caller_name.strip())
    if name == "callback_number":
        return sum(ch.isdigit() for ch in packet.callback_number) >= _MIN_PHONE_DIGITS
    if name == "reason":
        return packet.reason is not Reason.UNSPECIFIED
    if name == "urgency":
        return packet.urgency is not Urgency.UNSPECIFIED
    if name == "summary":
        return bool(packet.summary.strip())
    if name == "identity_verified":
        return (
            packet.identity_verified
            or packet.reason is Reason.IDENTITY_FAILED
            or packet.slots.get(IDENTITY_SLOT) == NOT_ATTEMPTED
        )
    if name == "intents_tried":
        return any(intent.strip() for intent in packet.intents_tried)
    if name == "transcript_excerpt":
        return any(line.text.strip() for line in packet.transcript_excerpt)
    raise KeyError(name)  # a name added to REQUIRED_FIELDS without a rule here


@dataclass(frozen=True)
class Completeness:
    """Share of required fields present and the names of those missing."""

    completeness: float
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


def assess(packet: Packet) -> Completeness:
    """How complete ``packet`` is over ``REQUIRED_FIELDS``."""
    missing = tuple(name for name in REQUIRED_FIELDS if not _present(packet, name))
    present = len(REQUIRED_FIELDS) - len(missing)
    return Completeness(completeness=present / len(REQUIRED_FIELDS), missing=missing)
