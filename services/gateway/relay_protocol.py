"""ConversationRelay's JSON messages <-> the gateway's domain messages. Pure: no I/O.

Twilio's and Telnyx's ConversationRelay speak one small protocol over a WebSocket: the
telephony side sends ``setup``, ``prompt``, ``interrupt``, ``dtmf`` and ``error``; the
application answers with ``text`` tokens, ``sendDigits``, ``language``, ``play`` and, last,
``end`` with ``handoffData`` (a JSON string the provider passes to the ``<Connect action>``
callback). The same call path as gRPC ``Converse`` runs behind it (``gateway.switchboard``).

    message = parse('{"type": "prompt", "voicePrompt": "hi", "last": true}')   # model.Prompt
    ending = RelayEnding()
    for output in switchboard_outputs:
        for frame in render(output, ending):   # dicts to send as JSON
            ...
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gateway import model

INBOUND_TYPES = ("setup", "prompt", "interrupt", "dtmf", "error")
DTMF_KEYS = frozenset("0123456789*#")
# Setup fields passed on to the orchestrator's Claim as custom parameters (no PHI: the caller's
# number travels in its own field).
SETUP_FIELDS = ("sessionId", "callSid", "direction", "callType", "accountSid")


class ProtocolError(ValueError):
    """A message that is not a ConversationRelay message we can use; the text says why, for
    the error frame sent back."""


@dataclass(frozen=True)
class ProviderError:
    """The provider's own ``error`` message (its description), logged, not a caller input."""

    description: str


def _object(raw: str | bytes) -> dict[str, Any]:
    try:
        message = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("the message is not JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError("the message must be a JSON object with a 'type'")
    return message


def _text(message: dict[str, Any], key: str, default: str = "") -> str:
    value = message.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ProtocolError(f"'{key}' must be a string")
    return value


def _flag(message: dict[str, Any], key: str, default: bool) -> bool:
    value = message.get(key, default)
    if not isinstance(value, bool):
        raise ProtocolError(f"'{key}' must be true or false")
    return value


def parse(raw: str | bytes) -> model.Setup | model.CallerInput | ProviderError:
    """One inbound frame as a domain message; ``ProtocolError`` when it cannot be used."""
    message = _object(raw)
    kind = message.get("type")
    if kind == "setup":
        call_id = _text(message, "callSid") or _text(message, "sessionId")
        if not call_id:
            raise ProtocolError("setup needs a 'callSid' (or 'sessionId')")
        custom = message.get("customParameters") or {}
        if not isinstance(custom, dict):
            raise ProtocolError("'customParameters' must be an object")
        parameters = {str(k): str(v) for k, v in custom.items() if v is not None}
        for key in SETUP_FIELDS:
            value = message.get(key)
            if isinstance(value, str) and value:
                parameters.setdefault(key, value)
        return model.Setup(
            call_id=call_id,
            from_number=_text(message, "from"),
            to_number=_text(message, "to"),
            clinic_id=parameters.pop("clinic", "") or parameters.pop("clinicId", ""),
            custom_parameters=parameters,
        )
    if kind == "prompt":
        return model.Prompt(
            _text(message, "voicePrompt"),
            last=_flag(message, "last", True),
            language=_text(message, "lang"),
        )
    if kind == "interrupt":
        duration = message.get("durationUntilInterruptMs", 0) or 0
        if isinstance(duration, bool) or not isinstance(duration, int | float):
            raise ProtocolError("'durationUntilInterruptMs' must be a number")
        return model.Interrupt(
            _text(message, "utteranceUntilInterrupt"), duration_ms=max(0, int(duration))
        )
    if kind == "dtmf":
        digit = _text(message, "digit")
        if len(digit) != 1 or digit not in DTMF_KEYS:
            raise ProtocolError("'digit' must be one keypad key: 0-9, * or #")
        return model.Digit(digit)
    if kind == "error":
        return ProviderError(_text(message, "description"))
    if not isinstance(kind, str) or not kind:
        raise ProtocolError("the message has no 'type'")
    raise ProtocolError(
        f"unknown message type {kind[:40]!r}; expected one of: {', '.join(INBOUND_TYPES)}"
    )


def error_frame(description: str) -> dict[str, Any]:
    """What we send back about a message we could not use; the session goes on."""
    return {"type": "error", "description": description}


@dataclass
class RelayEnding:
    """What the call's ``end`` frame will carry: a transfer seen before the end."""

    transfer: dict[str, str] = field(default_factory=dict)


def handoff_data(end: model.EndCall, ending: RelayEnding) -> str:
    """The ``handoffData`` JSON string: outcome, and on a transfer the target, reason, urgency,
    handoff id and the redacted summary; ``reasonCode`` as Twilio's examples use it."""
    data: dict[str, str] = {**end.data, **ending.transfer}
    if ending.transfer:
        data["reasonCode"] = "live-agent-handoff"
    return json.dumps(data, sort_keys=True)


def render(output: model.CallerOutput, ending: RelayEnding) -> list[dict[str, Any]]:
    """The frames to send for one switchboard output (a transfer sends nothing yet: it goes
    out with the ``end`` that follows it, since ending the relay session is how a
    ConversationRelay application hands the call over)."""
    if isinstance(output, model.Speak):
        return [
            {
                "type": "text",
                "token": output.token,
                "last": output.last,
                "interruptible": output.interruptible,
                "preemptible": False,
            }
        ]
    if isinstance(output, model.TransferCall):
        ending.transfer = {
            "transferTarget": output.target,
            **({"handoffId": output.handoff_id} if output.handoff_id else {}),
            **{key: value for key, value in output.data.items() if value},
        }
        return []
    return [{"type": "end", "handoffData": handoff_data(output, ending)}]
