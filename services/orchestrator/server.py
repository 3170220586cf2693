"""The Orchestrator servicer: Claim, Turn, GetSession, ListCalls.

Translates protobuf to dialogue events and back, loads and saves the session around each turn,
and publishes call events. The dialogue itself is the policy's (``orchestrator.rules``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry import trace

from clinic import ClinicDirectory, ClinicNotFound
from frontdesk.v1 import common_pb2, events_pb2, orchestrator_pb2, orchestrator_pb2_grpc
from orchestrator.dialogue import (
    CallerHungUp,
    CallerInterrupted,
    CallerPressed,
    CallerSaid,
    CallStarted,
    Context,
    DialogueState,
    EndCall,
    Event,
    Outcome,
    Policy,
    Say,
    Transfer,
)
from orchestrator.driver import TurnRun
from orchestrator.faults import TurnFaults
from orchestrator.llm.client import ModelClient
from orchestrator.sessions import CallSession, SessionStore, page_size
from orchestrator.tools import NatsTools, handoff_reason
from servicekit import BusClient, EventPublisher
from servicekit.errors import Aborted, AlreadyExists, FailedPrecondition, InvalidArgument, NotFound

log = logging.getLogger(__name__)

# Redacts a text with what the call knows about the caller (names, date of birth…).
CallRedactor = Callable[[str, Mapping[str, list[str]]], str]
OUTCOMES = {
    Outcome.CONTAINED.value: common_pb2.CALL_OUTCOME_CONTAINED,
    Outcome.HANDOFF.value: common_pb2.CALL_OUTCOME_HANDOFF,
    Outcome.ABANDONED.value: common_pb2.CALL_OUTCOME_ABANDONED,
}
URGENCY = {
    "routine": common_pb2.URGENCY_ROUTINE,
    "soon": common_pb2.URGENCY_SOON,
    "urgent": common_pb2.URGENCY_URGENT,
}
SAVE_ATTEMPTS = 4
_DONE = object()


def _now_iso(now: datetime) -> str:
    return now.astimezone(UTC).isoformat()


def _timestamp(iso: str) -> Timestamp | None:
    if not iso:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(datetime.fromisoformat(iso))
    return stamp


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest() if token else ""


def _no_redaction(text: str, known: Mapping[str, list[str]]) -> str:
    return text


def _event_for(request: orchestrator_pb2.TurnRequest) -> Event:
    which = request.WhichOneof("input")
    if which == "start":
        return CallStarted()
    if which == "text":
        return CallerSaid(request.text)
    if which == "dtmf":
        if not request.dtmf or any(d not in "0123456789*#" for d in request.dtmf):
            raise InvalidArgument("dtmf must be digits 0-9, * or #")
        return CallerPressed(request.dtmf)
    if which == "interrupted":
        return CallerInterrupted(request.interrupted.heard_text)
    if which == "ended":
        return CallerHungUp(request.ended.reason)
    raise InvalidArgument("a turn needs one input: start, text, dtmf, interrupted or ended")


def _describe_input(request: orchestrator_pb2.TurnRequest) -> str:
    """The caller's side of a turn as text, for events and logs (keypad digits not repeated)."""
    which = request.WhichOneof("input")
    return {
        "text": request.text,
        "dtmf": f"[{len(request.dtmf)} keypad digits]",
        "interrupted": f"[interrupted after: {request.interrupted.heard_text}]",
        "ended": "[hung up]",
    }.get(which or "", "")


def _turn_event(output: Say | Transfer | EndCall, last_say: bool) -> orchestrator_pb2.TurnEvent:
    if isinstance(output, Say):
        return orchestrator_pb2.TurnEvent(say=orchestrator_pb2.Say(text=output.text, last=last_say))
    if isinstance(output, Transfer):
        return orchestrator_pb2.TurnEvent(
            transfer=orchestrator_pb2.TransferTo(
                target=output.target,
                handoff_id=output.handoff_id,
                reason=handoff_reason(output.reason),
                urgency=URGENCY.get(output.urgency, common_pb2.URGENCY_SOON),
            )
        )
    return orchestrator_pb2.TurnEvent(
        end=orchestrator_pb2.CallEnd(
            outcome=OUTCOMES[output.outcome.value], handoff_id=output.handoff_id
        )
    )


class OrchestratorServicer(orchestrator_pb2_grpc.OrchestratorServicer):
    """Args:
    store: call sessions (NATS KV).
    clinics: the clinics served.
    policies: dialogue policies by name; ``choose_policy(call_id, clinic_id)`` picks one.
    bus: NATS client for the tools.
    events: publisher of call events (scrubbed).
    version: this replica's version (calls are pinned to it).
    clock: the current instant (timezone-aware).
    redact: redacts event texts with the call's known identifiers.
    faults: test-only fault injection before every turn (:mod:`orchestrator.faults`; off in
        production).
    model: the model client of a call, ``model(call_id, clinic_id)`` (LLM policies).
    filler_after: seconds a tool may take before the LLM policy's filler is said.
    """

    def __init__(
        self,
        *,
        store: SessionStore,
        clinics: ClinicDirectory,
        policies: Mapping[str, Policy],
        choose_policy: Callable[[str, str], str],
        bus: BusClient,
        events: EventPublisher,
        version: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        redact: CallRedactor = _no_redaction,
        tool_timeout: float = 3.0,
        hold_seconds: int = 180,
        tracer: trace.Tracer | None = None,
        faults: TurnFaults | None = None,
        llm_spend: Callable[[str], Awaitable[common_pb2.LlmSpend]] | None = None,
        model: Callable[[str, str], ModelClient] | None = None,
        filler_after: float = 1.0,
    ) -> None:
        self._store = store
        self._clinics = clinics
        self._policies = policies
        self._choose_policy = choose_policy
        self._bus = bus
        self._events = events
        self._version = version
        self._clock = clock
        self._redact = redact
        self._tool_timeout = tool_timeout
        self._hold_seconds = hold_seconds
        self._tracer = tracer or trace.get_tracer(__name__)
        self._faults = faults or TurnFaults()
        # The call's model spend, as llm_router recorded it (servicekit.costs), for CallCompleted.
        self._llm_spend = llm_spend
        self._model = model
        self._filler_after = filler_after
        self._turns_in_flight: set[asyncio.Task[None]] = set()

    # --- Claim --------------------------------------------------------------------------------

    async def Claim(self, request: Any, context: Any) -> orchestrator_pb2.ClaimResponse:
        if not request.call_id:
            raise InvalidArgument("call_id is required")
        try:
            clinic = self._clinics.resolve(request.clinic_id, request.to_number)
        except ClinicNotFound as error:
            raise NotFound(str(error)) from None
        now = self._clock()
        session = CallSession(
            call_id=request.call_id,
            clinic_id=clinic.id,
            version=self._version,
            policy=self._choose_policy(request.call_id, clinic.id),
            caller_number=request.from_number,
            called_number=request.to_number,
            start_time=_now_iso(now),
            update_time=_now_iso(now),
            known={"phones": [request.from_number]} if request.from_number else {},
            claim_token_hash=_token_hash(request.claim_token),
        )
        try:
            await self._store.create(session)
        except AlreadyExists:
            # A re-claim: the version the call was pinned to is gone; this version takes over.
            # Only for the connection that claimed it first (the same claim token).
            existing, revision = await self._store.load(request.call_id)
            if not hmac.compare_digest(existing.claim_token_hash, session.claim_token_hash):
                log.warning("a claim of a call claimed by another connection was refused")
                raise AlreadyExists(
                    f"call {request.call_id!r} was already claimed by another connection: a call"
                    " id is claimed once, re-claims need the first claim's claim_token"
                ) from None
            existing.version = self._version
            existing.update_time = _now_iso(now)
            await self._store.save(existing, revision)
            await self._store.index(existing)  # claimed by a version that kept no index
            return orchestrator_pb2.ClaimResponse(
                version=self._version, clinic_id=existing.clinic_id
            )
        await self._events.event(
            "call_started",
            events_pb2.CallStarted(
                call_id=request.call_id,
                clinic_id=clinic.id,
                orchestrator_version=self._version,
                time=_timestamp(session.start_time),
            ),
        )
        return orchestrator_pb2.ClaimResponse(version=self._version, clinic_id=clinic.id)

    # --- Turn ---------------------------------------------------------------------------------

    async def Turn(self, request: Any, context: Any) -> AsyncIterator[orchestrator_pb2.TurnEvent]:
        if not request.call_id:
            raise InvalidArgument("call_id is required")
        event = _event_for(request)
        queue: asyncio.Queue[Any] = asyncio.Queue()
        # The turn runs to completion even if the caller stops listening (barge-in): its tool
        # calls and the session write must not be cut in half.
        task = asyncio.create_task(self._turn(request, event, queue))
        self._turns_in_flight.add(task)
        task.add_done_callback(self._turns_in_flight.discard)
        while True:
            item = await queue.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
        await task

    async def end_call(self, request: orchestrator_pb2.TurnRequest) -> None:
        """Runs a recorded hang-up's ``ended`` turn (``orchestrator.call_ends``); what it would
        say is dropped: the caller is gone."""
        async for _ in self.Turn(request, None):
            pass

    async def drain(self) -> None:
        """Waits for turns still running after their caller stopped listening."""
        if self._turns_in_flight:
            await asyncio.wait(set(self._turns_in_flight), timeout=10)

    async def _turn(
        self, request: orchestrator_pb2.TurnRequest, event: Event, queue: asyncio.Queue[Any]
    ) -> None:
        try:
            with self._tracer.start_as_current_span(
                "orchestrator.turn",
                attributes={
                    "frontdesk.call_id": request.call_id,
                    "frontdesk.turn_id": request.turn_id,
                    "frontdesk.input": request.WhichOneof("input") or "",
                },
            ):
                if self._faults.on:
                    await self._faults.before_turn()
                await self._run_turn(request, event, queue)
        except BaseException as error:
            queue.put_nowait(error)
            if not isinstance(error, Exception):
                raise
            return
        queue.put_nowait(_DONE)

    async def _run_turn(
        self, request: orchestrator_pb2.TurnRequest, event: Event, queue: asyncio.Queue[Any]
    ) -> None:
        sent: list[orchestrator_pb2.TurnEvent] = []
        for attempt in range(SAVE_ATTEMPTS):
            session, revision = await self._store.load(request.call_id)
            if request.turn_id and request.turn_id == session.last_turn_id:
                for raw in session.last_reply[len(sent) :]:
                    replay = orchestrator_pb2.TurnEvent()
                    replay.ParseFromString(bytes.fromhex(raw["pb"]))
                    queue.put_nowait(replay)
                return
            if session.ended and not isinstance(event, CallerHungUp):
                raise FailedPrecondition(f"call {request.call_id!r} has ended")
            if isinstance(event, CallerHungUp) and session.ended:
                return
            replies = await self._step(session, request, event, queue, sent)
            session.last_turn_id = request.turn_id
            session.last_reply = [{"pb": r.SerializeToString().hex()} for r in replies]
            session.update_time = _now_iso(self._clock())
            # Redacted once, with what the call knows by now (the name learnt this turn too),
            # before an ended call's session forgets it.
            known = session.known
            said = self._redact(_describe_input(request), known)
            reply_text = self._redact(
                " ".join(r.say.text for r in replies if r.HasField("say")), known
            )
            if session.ended:
                session = session.minimised(self._redactor(known))
            try:
                await self._store.save(session, revision)
            except Aborted:
                if attempt == SAVE_ATTEMPTS - 1:
                    raise
                log.info(
                    "session changed during a turn; running it again", extra={"attempt": attempt}
                )
                continue
            self._note_turn(session, said)
            await self._publish_turn(session, request, said, reply_text)
            return

    async def _step(
        self,
        session: CallSession,
        request: orchestrator_pb2.TurnRequest,
        event: Event,
        queue: asyncio.Queue[Any],
        sent: list[orchestrator_pb2.TurnEvent],
    ) -> list[orchestrator_pb2.TurnEvent]:
        clinic = self._clinics.get(session.clinic_id)
        policy = self._policies[session.policy]
        tools = NatsTools(
            self._bus,
            call_id=session.call_id,
            clinic_id=session.clinic_id,
            caller_number=session.caller_number,
            turn_id=request.turn_id or f"turn-{session.turns}",
            timeout=self._tool_timeout,
            hold_seconds=self._hold_seconds,
            verification_proof=session.verification_proof,
        )
        run = TurnRun(
            policy,
            session.dialogue,
            event,
            Context(clinic=clinic, now=self._clock(), caller_number=session.caller_number),
            tools,
            tracer=self._tracer,
            model=self._model(session.call_id, session.clinic_id) if self._model else None,
            filler=str(getattr(policy, "filler", "")),
            filler_after=self._filler_after,
        )
        replies: list[orchestrator_pb2.TurnEvent] = []
        pending: Say | None = None

        def emit(reply: orchestrator_pb2.TurnEvent) -> None:
            replies.append(reply)
            # A turn run again after a concurrent change does not repeat what was already sent.
            if len(replies) > len(sent):
                sent.append(reply)
                queue.put_nowait(reply)

        # The LLM policy's sentences go out the moment they exist (the first one is what the
        # caller waits for); the reply is closed by an empty last Say. The rules policy's whole
        # reply is ready at once, so one Say is held back to be marked last.
        streaming = bool(getattr(policy, "filler", ""))
        said = False
        async for output in run.outputs():
            if pending is not None:
                emit(_turn_event(pending, last_say=False))
                pending = None
            if isinstance(output, Say) and streaming:
                emit(_turn_event(output, last_say=False))
                said = True
            elif isinstance(output, Say):
                pending = output
            else:
                said = False
                reply = _turn_event(output, last_say=False)
                if isinstance(output, Transfer):
                    reply.transfer.summary = self._handoff_summary(session, run, tools, output)
                emit(reply)
        if pending is not None:
            emit(_turn_event(pending, last_say=True))
        elif said:
            emit(_turn_event(Say(""), last_say=True))
        session.dialogue = run.state
        memory = run.state.model
        if memory is not None and memory.handed_over and "rules" in self._policies:
            # The rules policy has taken the call over (an emergency, a handoff, every model
            # provider down, the cost cap): it serves the rest of the call from this state.
            session.policy = "rules"
            session.dialogue = dataclasses.replace(run.state, model=None)
        session.turns += 1
        session.verification_proof = tools.verification_proof
        self._remember_identity(session, run.state, tools)
        if run.state.outcome and not session.ended:
            session.ended = True
            await self._publish_completed(session)
        return replies

    def _handoff_summary(
        self, session: CallSession, run: TurnRun, tools: NatsTools, transfer: Transfer
    ) -> str:
        """The handoff's summary for the telephony side: redacted with everything the call
        knows, the verified patient id included."""
        summary = tools.handoff_summaries.get(transfer.handoff_id, "")
        if not summary:
            return ""
        known = {key: list(values) for key, values in session.known.items()}
        for key, value in (
            ("names", run.state.caller_name),
            ("date_of_birth", run.state.date_of_birth),
            ("other_ids", run.state.verified_patient_id),
        ):
            if value and value not in known.setdefault(key, []):
                known[key].append(value)
        return self._redact(summary, known)

    def _redactor(self, known: Mapping[str, list[str]]) -> Callable[[str], str]:
        return lambda text: self._redact(text, known)

    @staticmethod
    def _remember_identity(session: CallSession, state: DialogueState, tools: NatsTools) -> None:
        known = session.known
        if state.caller_name and state.caller_name not in known.get("names", []):
            known.setdefault("names", []).append(state.caller_name)
        if state.date_of_birth and state.date_of_birth not in known.get("date_of_birth", []):
            known.setdefault("date_of_birth", []).append(state.date_of_birth)
        if tools.known is not None:
            record = tools.known
            for key, values in (
                ("names", record.names),
                ("phones", record.phones),
                ("emails", record.emails),
                ("mrns", record.mrns),
                ("addresses", record.addresses),
                ("other_ids", record.other_ids),
            ):
                for value in values:
                    if value and value not in known.get(key, []):
                        known.setdefault(key, []).append(value)
            if record.date_of_birth and record.date_of_birth not in known.get("date_of_birth", []):
                known.setdefault("date_of_birth", []).append(record.date_of_birth)

    @staticmethod
    def _note_turn(session: CallSession, said: str) -> None:
        """The caller's (redacted) words on the turn's span and in the debug log; the
        process-wide scrubber passes over both again before they leave."""
        trace.get_current_span().set_attribute("frontdesk.caller_text", said)
        log.debug(
            "turn",
            extra={
                "call_id": session.call_id,
                "state": session.dialogue.phase,
                "caller_text": said,
            },
        )

    async def _publish_turn(
        self,
        session: CallSession,
        request: orchestrator_pb2.TurnRequest,
        said: str,
        reply_text: str,
    ) -> None:
        """``said`` and ``reply_text`` come redacted."""
        await self._events.event(
            "turn_completed",
            events_pb2.TurnCompleted(
                call_id=session.call_id,
                turn_id=request.turn_id,
                index=session.turns,
                caller_text=said,
                reply_text=reply_text,
                state=session.dialogue.phase,
                intent=session.dialogue.intent,
                orchestrator_version=self._version,
                time=_timestamp(session.update_time),
            ),
        )

    async def _spend_of(self, call_id: str) -> common_pb2.LlmSpend | None:
        if self._llm_spend is None:
            return None
        try:
            return await self._llm_spend(call_id)
        except Exception as error:  # the call's end is published even without its costs
            log.warning("call %s: model spend not read: %s", call_id, error)
            return None

    async def _publish_completed(self, session: CallSession) -> None:
        state = session.dialogue
        spend = await self._spend_of(session.call_id)
        await self._events.event(
            "call_completed",
            events_pb2.CallCompleted(
                call_id=session.call_id,
                clinic_id=session.clinic_id,
                outcome=OUTCOMES.get(state.outcome, common_pb2.CALL_OUTCOME_UNSPECIFIED),
                turns=session.turns,
                handoff_id=state.handoff_id,
                intents=list(state.intents_tried),
                transcript=[
                    common_pb2.TranscriptLine(
                        speaker=speaker, text=self._redact(text, session.known)
                    )
                    for speaker, text in state.transcript
                ],
                orchestrator_version=session.version,
                start_time=_timestamp(session.start_time),
                end_time=_timestamp(_now_iso(self._clock())),
                llm=spend,
            ),
            # Once per call: a hang-up may reach two replicas (the gateway's direct request and
            # the recorded hang-up), and a step run again after a conflict publishes again.
            msg_id=f"call_completed:{session.call_id}",
        )

    # --- views --------------------------------------------------------------------------------

    def _view(self, session: CallSession) -> orchestrator_pb2.Session:
        return orchestrator_pb2.Session(
            call_id=session.call_id,
            clinic_id=session.clinic_id,
            version=session.version,
            state=session.dialogue.phase,
            identity_verified=session.identity_verified
            or bool(session.dialogue.verified_patient_id),
            turns=session.turns,
            outcome=OUTCOMES.get(session.dialogue.outcome, common_pb2.CALL_OUTCOME_UNSPECIFIED),
            start_time=_timestamp(session.start_time),
            update_time=_timestamp(session.update_time),
            policy=session.policy,
        )

    async def GetSession(self, request: Any, context: Any) -> orchestrator_pb2.Session:
        if not request.call_id:
            raise InvalidArgument("call_id is required")
        session, _ = await self._store.load(request.call_id)
        return self._view(session)

    async def ListCalls(self, request: Any, context: Any) -> orchestrator_pb2.ListCallsResponse:
        page = await self._store.page(
            request.clinic_id, page_size(request.page_size), request.page_token
        )
        return orchestrator_pb2.ListCallsResponse(
            sessions=[self._view(s) for s in page.sessions], next_page_token=page.next_token
        )
