"""Call sessions in the NATS KV bucket ``sessions``: key = call id, optimistic concurrency on the
entry's revision, TTL set on the bucket. Any replica of the pinned version can serve a turn
because everything a turn needs is here.

Beside each session, an index entry ``calls/.<clinic>.<session key>`` (value: the call id) is
written once, when the call is claimed. The index is what ``ListCalls`` reads: an ephemeral
JetStream consumer on the bucket's stream, filtered to the index (of one clinic or of all),
starting at the sequence where the previous page stopped, hands over one page of call ids; only
those sessions are read. So a listing costs what its page costs, not what the bucket holds. The
prefix cannot collide with a session key: ``/`` never appears in one
(``servicekit.jetstream.session_key``). Index entries expire with the bucket's TTL, counted from
the claim; a page skips an entry whose session is already gone.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from frontdesk.v1 import orchestrator_pb2
from orchestrator.dialogue import DialogueState
from servicekit.errors import Aborted, AlreadyExists, InvalidArgument, NotFound, Unavailable
from servicekit.jetstream import SESSIONS_BUCKET, session_key

INDEX_PREFIX = "calls/"
DEFAULT_PAGE = 50
MAX_PAGE = 200
_STREAM = f"KV_{SESSIONS_BUCKET}"
_TOKEN_SAFE = re.compile(r"^[-_=a-zA-Z0-9]{1,64}$")
# Seconds a listing's JetStream requests may take before the listing fails as UNAVAILABLE.
LIST_TIMEOUT = 5.0


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
    # SHA-256 of the claiming connection's claim token: a re-claim must present the same token
    # (kept after the call ends, so an ended call cannot be claimed again by another connection).
    claim_token_hash: str = field(default="", repr=False)
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
        # Written on every turn. The session's own fields are JSON values already; the dialogue
        # writes itself, and its JSON goes in as it is (``dataclasses.asdict`` deep-copied the
        # whole dialogue only to throw the copy away, and the dialogue's JSON was parsed back
        # to be written once more).
        fields = {name: getattr(self, name) for name in _PLAIN_FIELDS}
        head = json.dumps(fields, separators=(",", ":"), default=str)
        return f'{head[:-1]},"dialogue":{self.dialogue.to_json()}}}'.encode()

    @classmethod
    def from_json(cls, raw: bytes) -> CallSession:
        fields = json.loads(raw)
        # Parsed once: validating the parsed dialogue, not its JSON written out again.
        fields["dialogue"] = DialogueState.from_dict(fields.get("dialogue", {}))
        return cls(**fields)


_PLAIN_FIELDS = tuple(f.name for f in dataclasses.fields(CallSession) if f.name != "dialogue")


def _redacted_reply(raw: dict[str, Any], redact: Callable[[str], str]) -> dict[str, Any]:
    event = orchestrator_pb2.TurnEvent()
    event.ParseFromString(bytes.fromhex(raw["pb"]))
    if event.HasField("say"):
        event.say.text = redact(event.say.text)
    return {"pb": event.SerializeToString().hex()}


def _subject_token(text: str) -> str:
    """``text`` as one subject token (no dots or wildcards): itself when safe, else hashed."""
    if _TOKEN_SAFE.match(text):
        return text
    return "h-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def index_key(clinic_id: str, call_id: str) -> str:
    return f"{INDEX_PREFIX}.{_subject_token(clinic_id)}.{session_key(call_id)}"


def _index_filter(clinic_id: str) -> str:
    clinic = _subject_token(clinic_id) if clinic_id else "*"
    return f"$KV.{SESSIONS_BUCKET}.{INDEX_PREFIX}.{clinic}.>"


@dataclass(frozen=True)
class CallPage:
    sessions: list[CallSession]
    next_token: str  # empty on the last page


def page_size(asked: int) -> int:
    if asked < 0:
        raise InvalidArgument("page_size must not be negative")
    return min(asked or DEFAULT_PAGE, MAX_PAGE)


def encode_page_token(clinic_id: str, next_sequence: int) -> str:
    raw = json.dumps({"c": clinic_id, "s": next_sequence}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str, clinic_id: str) -> int:
    """The stream sequence a page starts at (1 without a token)."""
    if not token:
        return 1
    bad = InvalidArgument(
        "page_token is not one this service issued: pass next_page_token from the previous "
        "answer unchanged, or leave it empty to start over"
    )
    if len(token) > 512:
        raise bad
    try:
        fields = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        raise bad from None
    if not isinstance(fields, dict):
        raise bad
    sequence, clinic = fields.get("s"), fields.get("c")
    if type(sequence) is not int or not 1 <= sequence < 2**63 or not isinstance(clinic, str):
        raise bad
    if clinic != clinic_id:
        raise InvalidArgument(
            "page_token was issued for another clinic_id: list with the same clinic_id as the "
            "first page, or start over without a page_token"
        )
    return sequence


class SessionStore:
    """Sessions with compare-and-set writes: a write based on a stale revision raises Aborted.

    ``js``: the JetStream context of ``kv``'s connection, for paging through the call index.
    """

    def __init__(self, kv: KeyValue, js: JetStreamContext) -> None:
        self._kv = kv
        self._js = js

    async def create(self, session: CallSession) -> int:
        try:
            revision = int(await self._kv.create(session_key(session.call_id), session.to_json()))
        except KeyWrongLastSequenceError:
            raise AlreadyExists(f"call {session.call_id!r} already has a session") from None
        await self.index(session)
        return revision

    async def index(self, session: CallSession) -> None:
        """Lists the call (once: a re-claim finds its entry there already)."""
        with contextlib.suppress(KeyWrongLastSequenceError):
            await self._kv.create(
                index_key(session.clinic_id, session.call_id), session.call_id.encode()
            )

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

    async def page(self, clinic_id: str, size: int, token: str) -> CallPage:
        """Up to ``size`` calls (of ``clinic_id``, or all when empty) in claim order, from where
        ``token`` says the previous page stopped. NATS failures raise Unavailable: a listing
        never answers an empty page because the store could not be read."""
        start = decode_page_token(token, clinic_id)
        try:
            entries, after = await asyncio.wait_for(
                self._index_entries(_index_filter(clinic_id), start, size), LIST_TIMEOUT
            )
            loaded = await asyncio.wait_for(
                asyncio.gather(*(self._load_if_present(call_id) for call_id in entries)),
                LIST_TIMEOUT,
            )
        except (NatsError, TimeoutError) as error:
            raise Unavailable(
                "the call list could not be read from the sessions bucket"
                f" ({type(error).__name__}); retry shortly"
            ) from None
        sessions = [s for s in loaded if s is not None]
        return CallPage(sessions, encode_page_token(clinic_id, after) if after else "")

    async def _index_entries(self, subject: str, start: int, size: int) -> tuple[list[str], int]:
        """Call ids of the next ``size`` index entries at or after sequence ``start``, and the
        sequence the page after them starts at (0: no more entries)."""
        name = f"calls_{uuid.uuid4().hex}"
        info = await self._js.add_consumer(
            _STREAM,
            ConsumerConfig(
                name=name,
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=start,
                filter_subject=subject,
                ack_policy=AckPolicy.NONE,
                mem_storage=True,
                # Removed by the server if this replica dies before deleting it.
                inactive_threshold=30.0,
            ),
        )
        try:
            # One more than the page, to know whether another page follows.
            wanted = min(int(info.num_pending or 0), size + 1)
            received: list[tuple[int, bytes]] = []
            if wanted:
                pull = await self._js.pull_subscribe_bind(name, stream=_STREAM)
                try:
                    while len(received) < wanted:
                        for msg in await pull.fetch(wanted - len(received), timeout=LIST_TIMEOUT):
                            received.append((msg.metadata.sequence.stream, msg.data))
                finally:
                    await pull.unsubscribe()
        finally:
            with contextlib.suppress(NatsError, TimeoutError):
                await self._js.delete_consumer(_STREAM, name)
        page, more = received[:size], received[size:]
        # An entry without data is a delete marker: nothing to list.
        return [data.decode() for _, data in page if data], more[0][0] if more else 0

    async def _load_if_present(self, call_id: str) -> CallSession | None:
        try:
            entry = await self._kv.get(session_key(call_id))
        except (KeyNotFoundError, KeyDeletedError):
            return None  # expired or deleted since it was listed
        return CallSession.from_json(entry.value) if entry.value else None
