"""Call sessions in the NATS KV bucket ``sessions``: key = call id, optimistic concurrency on the
entry's revision, TTL set on the bucket. Any replica of the pinned version can serve a turn
because everything a turn needs is here.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NoKeysError
from nats.js.kv import KeyValue

from frontdesk.v1 import orchestrator_pb2
from orchestrator.dialogue import DialogueState
from servicekit.errors import Aborted, AlreadyExists, NotFound
from servicekit.jetstream import session_key


@dataclass
class CallSession:
    call_id: str
    clinic_id: str
    version: str
    policy: str
    caller_number: str = ""
    called_number: str = ""
    start_time: str = ""  # ISO 8601
    update_time: str = ""
    turns: int = 0
    last_turn_id: str = ""
    # The last turn's reply events (JSON), replayed when the same turn id comes again.
    last_reply: list[dict[str, Any]] = field(default_factory=list)
    ended: bool = False
    # Kept after the call ends, when the verified patient id itself is gone (see ``minimised``).
    identity_verified: bool = False
    # What the call knows about the caller, for PHI redaction (names, date_of_birth, phones, …).
    known: dict[str, list[str]] = field(default_factory=dict)
    # The scheduler's proof of this call's identity verification, sent with every patient-data
    # request. A bearer secret: here and in the request only (not in the dialogue state, never
    # logged; repr hides it).
    verification_proof: str = field(default="", repr=False)
    dialogue: DialogueState = field(default_factory=DialogueState)

    def minimised(self, redact: Callable[[str], str]) -> CallSession:
        """The PHI-free record of an ended call: outcome data only.

        A session holds the caller's number, name, date of birth, patient id and transcript
        only while the call needs them; the scheduler's and handoff's databases are the records
        of truth for what must persist. What is kept: ids, times, the phase and outcome, the
        intents tried, whether identity was verified, and the last turn's reply with its spoken
        text redacted (so a retried final turn still gets its transfer and end events).
        """
        state = self.dialogue
        return dataclasses.replace(
            self,
            caller_number="",
            known={},
            verification_proof="",  # the call is over: nothing may use it any more
            identity_verified=self.identity_verified or bool(state.verified_patient_id),
            last_reply=[_redacted_reply(raw, redact) for raw in self.last_reply],
            dialogue=DialogueState(
                phase=state.phase,
                intent=state.intent,
                intents_tried=state.intents_tried,
                outcome=state.outcome,
                handoff_id=state.handoff_id,
            ),
        )

    def to_json(self) -> bytes:
        fields = dataclasses.asdict(self)
        fields["dialogue"] = json.loads(self.dialogue.to_json())
        return json.dumps(fields, separators=(",", ":"), default=str).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> CallSession:
        fields = json.loads(raw)
        fields["dialogue"] = DialogueState.from_json(json.dumps(fields.get("dialogue", {})))
        return cls(**fields)


def _redacted_reply(raw: dict[str, Any], redact: Callable[[str], str]) -> dict[str, Any]:
    event = orchestrator_pb2.TurnEvent()
    event.ParseFromString(bytes.fromhex(raw["pb"]))
    if event.HasField("say"):
        event.say.text = redact(event.say.text)
    return {"pb": event.SerializeToString().hex()}


class SessionStore:
    """Sessions with compare-and-set writes: a write based on a stale revision raises Aborted."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def create(self, session: CallSession) -> int:
        try:
            return int(await self._kv.create(session_key(session.call_id), session.to_json()))
        except KeyWrongLastSequenceError:
            raise AlreadyExists(f"call {session.call_id!r} already has a session") from None

    async def load(self, call_id: str) -> tuple[CallSession, int]:
        try:
            entry = await self._kv.get(session_key(call_id))
        except KeyNotFoundError:
            raise NotFound(f"no session for call {call_id!r} (never claimed, or expired)") from None
        if entry.value is None:
            raise NotFound(f"no session for call {call_id!r}")
        return CallSession.from_json(entry.value), int(entry.revision or 0)

    async def save(self, session: CallSession, revision: int) -> int:
        try:
            return int(
                await self._kv.update(
                    session_key(session.call_id), session.to_json(), last=revision
                )
            )
        except KeyWrongLastSequenceError:
            raise Aborted(
                f"call {session.call_id!r} changed concurrently; retry the turn"
            ) from None

    async def all(self) -> list[CallSession]:
        try:
            keys = await self._kv.keys()
        except NoKeysError:  # an empty bucket; any other failure is the caller's to see
            return []
        sessions = []
        for key in keys:
            try:
                entry = await self._kv.get(key)
            except KeyNotFoundError:
                continue  # expired or deleted between keys() and get()
            if entry.value:
                sessions.append(CallSession.from_json(entry.value))
        return sessions
