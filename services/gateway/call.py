"""One phone call, from claim to end: caller input in, orchestrator turns out, replies back.

    call = Call(setup, orchestrator, recorder, CallPolicy(), transfer_target=lambda clinic: ...)
    task = asyncio.create_task(call.run(caller_inputs))   # claims, greets, runs turns
    async for output in call.outputs():                   # Speak / TransferCall / EndCall
        ...
    call.abandon("cancelled")    # the telephony side went away without a hangup
    call.cut_off()               # shutdown: "please call back", then end

How it works: a reader task moves caller input into an event queue; the loop in :meth:`run`
handles one event at a time; at most one *turn task* talks to the orchestrator at once and
writes the reply into the output queue. Rules:

- The call is pinned to the version that answered Claim. A turn whose version has no responders
  (``Unavailable`` before any event) re-claims and retries the same turn on the new version.
- A final prompt, an interrupt or flushed DTMF digits cancel a turn in flight that is replying
  (barge-in); ``interrupted`` and ``ended`` turns are never cancelled, input after them waits.
- An interrupt sends ``interrupted{turn_id, heard_text}`` for the last reply that was spoken.
- Keypad digits are buffered (:class:`gateway.dtmf.DigitBuffer`); a final prompt flushes them
  first, as a turn of their own.
- A failed turn: an apology and the call goes on; ``max_turn_failures`` failures in a row (or no
  orchestrator at all): an apology, a transfer to the clinic's default target, and end.
- Hangup, end of input or :meth:`abandon`: cancel the turn in flight, record the hang-up
  durably (``call_hung_up`` on the events stream, which the orchestrator consumes), tell the
  orchestrator ``ended{reason}`` directly too (short deadline: the quick path, which also gives
  the outcome), finish. Nothing is sent after ``EndCall``.

No caller text is ever logged: logs carry the call id and what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from gateway import model
from gateway.dtmf import DigitBuffer
from gateway.orchestrator_client import OrchestratorClient
from gateway.recording import CallRecorder
from servicekit.errors import ServiceError, Unavailable

log = logging.getLogger(__name__)

Clock = Callable[[], float]
# The clinic's default transfer target, by clinic id; None when there is none.
TransferTargetLookup = Callable[[str], "str | None"]


@dataclass(frozen=True)
class CallPolicy:
    """Timeouts, retry limits and the few things the gateway itself says."""

    claim_timeout: float = 3.0
    # Deadline for a whole turn's reply stream.
    turn_timeout: float = 20.0
    # Deadline for the best-effort `ended` turn after a hangup.
    ended_timeout: float = 2.0
    dtmf_timeout: float = 1.5
    # Re-claims per turn when the pinned version has no responders.
    max_reclaims: int = 2
    # Failed turns in a row before the caller is handed to a person.
    max_turn_failures: int = 2
    sorry_retry: str = "Sorry, I had a problem on my side. Could you say that again?"
    sorry_transfer: str = (
        "I'm sorry, I'm having technical trouble. Let me connect you with our front desk."
    )
    call_back: str = "I'm sorry, we have to end this call now. Please call us back in a minute."


# --- events of the call loop besides caller input ------------------------------------------


@dataclass(frozen=True)
class _InputClosed:
    reason: str


@dataclass(frozen=True)
class _CutOff:
    pass


@dataclass(frozen=True)
class _Over:
    pass


@dataclass(frozen=True)
class _DigitsDue:
    pass


@dataclass(frozen=True)
class _Input:
    """Caller input read ahead by the reader; holds one of the reader's slots until taken."""

    item: model.Setup | model.CallerInput


MAX_QUEUED_INPUTS = 64

_Event = model.Setup | model.CallerInput | _InputClosed | _CutOff | _Over | _DigitsDue | _Input


@dataclass
class _TurnTask:
    """The turn task in flight and what the loop needs to know about it."""

    task: asyncio.Task[None]
    cancellable: bool
    barged: bool = False  # cancelled by barge-in (counts as an interrupted turn)


@dataclass
class _Reply:
    """Per-turn reply bookkeeping."""

    turn_id: str
    latency_from: float | None
    open: bool = False  # a Speak without last=True was sent
    events: int = 0
    transferred: bool = False


class _NoOrchestrator(Exception):
    """Re-claim found no orchestrator at all."""


@dataclass
class Call:
    """One call's state and loop. Create, ``run`` in a task, read ``outputs``."""

    setup: model.Setup
    orchestrator: OrchestratorClient
    recorder: CallRecorder
    policy: CallPolicy
    transfer_target: TransferTargetLookup
    clock: Clock = time.monotonic

    version: str = ""  # the pinned orchestrator version ("" until claimed)
    outcome: str = ""  # the call's outcome once finished
    _clinic_id: str = ""
    _turn_count: int = 0
    _failures: int = 0
    _last_spoken_turn: str = ""
    _transferred: bool = False
    _closed: bool = False  # EndCall sent or the caller is gone: nothing more goes out
    _inflight: _TurnTask | None = None
    _events: asyncio.Queue[_Event] = field(default_factory=asyncio.Queue)
    # Caller inputs read ahead of the loop, at most ``MAX_QUEUED_INPUTS``: past that the reader
    # waits, and gRPC flow control holds the telephony side back — nothing is dropped, and a
    # client that floods the stream cannot grow this process's memory.
    _input_slots: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(MAX_QUEUED_INPUTS)
    )
    _out: asyncio.Queue[model.CallerOutput | None] = field(default_factory=asyncio.Queue)
    _digits: DigitBuffer = field(init=False)
    # Proves to the orchestrator that a re-claim comes from this connection, not another one
    # naming the same call id.
    _claim_token: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)

    def __post_init__(self) -> None:
        self._clinic_id = self.setup.clinic_id
        self._digits = DigitBuffer(self.policy.dtmf_timeout)

    @property
    def call_id(self) -> str:
        return self.setup.call_id

    # --- the outside ----------------------------------------------------------------------

    async def outputs(self) -> AsyncIterator[model.CallerOutput]:
        """What to send to the telephony side, until the call is over."""
        while True:
            item = await self._out.get()
            if item is None:
                return
            yield item

    def abandon(self, reason: str) -> None:
        """The telephony side went away without a hangup message: finish as a hangup."""
        self._events.put_nowait(model.Hangup(reason))

    def cut_off(self) -> None:
        """Shutdown: stop the call with a short "please call back", then end."""
        self._events.put_nowait(_CutOff())

    async def run(self, inputs: AsyncIterator[model.Setup | model.CallerInput]) -> None:
        """Runs the call to its end; records ``calls_total`` once. Never raises but for
        cancellation."""
        reader = asyncio.create_task(self._read(inputs))
        self.outcome = "error"
        try:
            self.outcome = await self._converse()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug: the caller still gets a person, not silence
            log.error("call failed (%s)", type(error).__name__, extra={"call_id": self.call_id})
            self._hand_to_person(self.policy.sorry_transfer, reason="system_error")
            self.outcome = "error"
        finally:
            reader.cancel()
            await self._stop_inflight()
            self.recorder.call(self.version, self.outcome)
            log.info("call finished", extra={"call_id": self.call_id, "outcome": self.outcome})
            self._out.put_nowait(None)

    # --- the loop -------------------------------------------------------------------------

    async def _read(self, inputs: AsyncIterator[model.Setup | model.CallerInput]) -> None:
        try:
            async for item in inputs:
                await self._input_slots.acquire()
                self._events.put_nowait(_Input(item))
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a broken stream is a hangup; its text stays out of logs
            log.warning(
                "the call's input stream failed (%s)",
                type(error).__name__,
                extra={"call_id": self.call_id},
            )
            self._events.put_nowait(_InputClosed("stream_error"))
            return
        self._events.put_nowait(_InputClosed("closed"))

    async def _next_event(self) -> _Event:
        deadline = self._digits.deadline
        if deadline is None:
            return self._unwrap(await self._events.get())
        try:
            async with asyncio.timeout(max(0.0, deadline - self.clock())):
                return self._unwrap(await self._events.get())
        except TimeoutError:
            return _DigitsDue()

    def _unwrap(self, event: _Event) -> _Event:
        if isinstance(event, _Input):
            self._input_slots.release()
            return event.item
        return event

    async def _converse(self) -> str:
        if not await self._claim():
            self._hand_to_person(self.policy.sorry_transfer, reason="system_error")
            return "error"
        self._begin([model.StartInput()], latency_from=None, cancellable=True)
        while True:
            event = await self._next_event()
            if self._closed:  # ended by the orchestrator: let the turn task finish its books
                await self._wait_inflight()
                return self.outcome
            if isinstance(event, model.Prompt):
                if event.last:
                    received = self.clock()
                    inputs: list[model.TurnInput] = []
                    digits = self._digits.take()
                    if digits:
                        inputs.append(model.DtmfInput(digits))
                    inputs.append(model.TextInput(event.text))
                    await self._barge_in()
                    self._begin(inputs, latency_from=received, cancellable=True)
            elif isinstance(event, model.Digit):
                await self._on_digit(event.digit)
            elif isinstance(event, _DigitsDue):
                now = self.clock()
                due = self._digits.take_if_due(now)
                if due:
                    await self._barge_in()
                    self._begin([model.DtmfInput(due)], latency_from=now, cancellable=True)
            elif isinstance(event, model.Interrupt):
                await self._on_interrupt(event)
            elif isinstance(event, model.Hangup):
                return await self._hang_up(event.reason or "caller")
            elif isinstance(event, _InputClosed):
                return await self._hang_up(event.reason)
            elif isinstance(event, _CutOff):
                return await self._cut_off()
            elif isinstance(event, _Over):
                return self.outcome
            else:  # a second setup
                log.warning("ignored a repeated setup", extra={"call_id": self.call_id})

    async def _on_digit(self, digit: str) -> None:
        now = self.clock()
        try:
            flushed = self._digits.press(digit, now)
        except ValueError:
            log.warning("ignored a key that is not a DTMF digit", extra={"call_id": self.call_id})
            return
        if flushed is not None:
            await self._barge_in()
            self._begin([model.DtmfInput(flushed)], latency_from=now, cancellable=True)

    async def _on_interrupt(self, event: model.Interrupt) -> None:
        await self._barge_in()
        if not self._last_spoken_turn:
            return  # nothing was said yet: nothing to cut
        cut = model.InterruptedInput(self._last_spoken_turn, event.heard)
        self._begin([cut], latency_from=None, cancellable=False)

    async def _barge_in(self) -> None:
        """Cancels a replying turn in flight; waits for a turn that must not be cancelled."""
        inflight = self._inflight
        if inflight is None or inflight.task.done():
            return
        if inflight.cancellable:
            inflight.barged = True
            inflight.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await inflight.task

    async def _wait_inflight(self) -> None:
        inflight = self._inflight
        if inflight is not None and not inflight.task.done():
            with contextlib.suppress(asyncio.CancelledError):
                await inflight.task

    async def _stop_inflight(self) -> None:
        inflight, self._inflight = self._inflight, None
        if inflight is None or inflight.task.done():
            return
        inflight.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await inflight.task

    async def _hang_up(self, reason: str) -> str:
        """The caller is gone: stop the turn in flight, tell the orchestrator, finish."""
        self._closed = True
        await self._stop_inflight()
        outcome = "abandoned"
        if not self.version:
            return outcome
        request = model.TurnRequest(self.call_id, self._next_turn_id(), model.EndedInput(reason))
        # First durably (a JetStream event the orchestrator consumes): the call's outcome, its
        # holds and CallCompleted must not depend on the direct request below getting through
        # a busy orchestrator in time. Ending is idempotent, so both paths may arrive.
        recorded = False
        try:
            async with asyncio.timeout(self.policy.ended_timeout):
                await self.orchestrator.record_hangup(self.version, request)
            recorded = True
        except Exception as error:  # the direct request below is then the only path
            log.warning(
                "could not record the hang-up on the events stream (%s)",
                type(error).__name__,
                extra={"call_id": self.call_id},
            )
        try:
            async with asyncio.timeout(self.policy.ended_timeout):
                events = self.orchestrator.turn(
                    self.version, request, timeout=self.policy.ended_timeout
                )
                async with contextlib.aclosing(events):
                    async for event in events:
                        if isinstance(event, model.CallEnd) and event.outcome:
                            outcome = event.outcome
        except (ServiceError, TimeoutError) as error:
            log.log(
                logging.INFO if recorded else logging.WARNING,
                "could not tell the orchestrator the call ended (%s)%s",
                type(error).__name__,
                "; it ends the call from the recorded hang-up" if recorded else "",
                extra={"call_id": self.call_id},
            )
        return outcome

    async def _cut_off(self) -> str:
        """Shutdown timeout: a short goodbye, end, and the orchestrator is told."""
        await self._stop_inflight()
        self._emit(model.Speak(self.policy.call_back, last=True, interruptible=False))
        self._end({"outcome": "error", "reason": "shutdown"})
        await self._hang_up("gateway_shutdown")
        return "error"

    # --- claims and turns -----------------------------------------------------------------

    async def _claim(self) -> bool:
        request = model.ClaimRequest(
            call_id=self.call_id,
            clinic_id=self._clinic_id,
            from_number=self.setup.from_number,
            to_number=self.setup.to_number,
            custom_parameters=dict(self.setup.custom_parameters),
            claim_token=self._claim_token,
        )
        try:
            claimed = await self.orchestrator.claim(request, timeout=self.policy.claim_timeout)
        except ServiceError as error:
            log.warning("claim failed (%s)", error.code.name, extra={"call_id": self.call_id})
            return False
        if not claimed.version:
            log.warning("claim answered without a version", extra={"call_id": self.call_id})
            return False
        if self.version and claimed.version != self.version:
            log.info(
                "call re-pinned",
                extra={"call_id": self.call_id, "from": self.version, "to": claimed.version},
            )
        self.version = claimed.version
        self._clinic_id = claimed.clinic_id or self._clinic_id
        return True

    def _next_turn_id(self) -> str:
        self._turn_count += 1
        return f"{self.call_id}-{self._turn_count}"

    def _begin(
        self, inputs: list[model.TurnInput], *, latency_from: float | None, cancellable: bool
    ) -> None:
        task = asyncio.create_task(self._turns(inputs, latency_from))
        self._inflight = _TurnTask(task, cancellable)

    async def _turns(self, inputs: list[model.TurnInput], latency_from: float | None) -> None:
        """Runs the inputs as consecutive turns (DTMF flushed before a prompt, then the prompt)."""
        for given in inputs:
            if self._closed:
                break
            reply = _Reply(self._next_turn_id(), latency_from)
            try:
                await self._turn(model.TurnRequest(self.call_id, reply.turn_id, given), reply)
            except asyncio.CancelledError:
                inflight = self._inflight
                if inflight is not None and inflight.barged:
                    self.recorder.turn(self.version, "interrupted")
                self._close_reply(reply)  # the next reply must not run on from this one
                raise
            except Exception as error:  # a bug in a turn: the caller gets a person
                log.error("turn failed (%s)", type(error).__name__, extra={"call_id": self.call_id})
                self.recorder.turn(self.version, "error")
                self._hand_to_person(self.policy.sorry_transfer, reason="system_error")
            if reply.latency_from is None:
                latency_from = None  # measured on the first reply that spoke
        if self._closed:
            self._events.put_nowait(_Over())  # the call ended in this turn: the loop finishes

    async def _turn(self, request: model.TurnRequest, reply: _Reply) -> None:
        reclaims = 0
        while True:
            try:
                await self._stream_turn(request, reply)
            except Unavailable:
                if reply.events == 0 and reclaims < self.policy.max_reclaims:
                    reclaims += 1
                    gone = self.version
                    if await self._claim():
                        log.info(
                            "pinned version has no responders: re-claimed",
                            extra={"call_id": self.call_id, "gone": gone, "now": self.version},
                        )
                        continue
                    self._failed(reply, give_up=True)
                    return
                self._failed(reply)
                return
            except ServiceError as error:
                log.warning("turn failed (%s)", error.code.name, extra={"call_id": self.call_id})
                self._failed(reply)
                return
            self._failures = 0
            self.recorder.turn(self.version, "ok")
            return

    async def _stream_turn(self, request: model.TurnRequest, reply: _Reply) -> None:
        events = self.orchestrator.turn(self.version, request, timeout=self.policy.turn_timeout)
        async with contextlib.aclosing(events):
            async for event in events:
                reply.events += 1
                if isinstance(event, model.SayChunk):
                    self._say(event, reply)
                elif isinstance(event, model.TransferTo):
                    self._close_reply(reply)
                    self._transferred = True
                    data = {
                        "reason": event.reason,
                        "urgency": event.urgency,
                        "summary": event.summary,
                    }
                    self._emit(
                        model.TransferCall(
                            event.target,
                            event.handoff_id,
                            {k: v for k, v in data.items() if v},
                        )
                    )
                elif isinstance(event, model.CallEnd):
                    self._close_reply(reply)
                    outcome = event.outcome or ("handoff" if self._transferred else "contained")
                    data = {"outcome": outcome}
                    if event.handoff_id:
                        data["handoff_id"] = event.handoff_id
                    self.outcome = outcome
                    self._end(data)
        self._close_reply(reply)

    def _say(self, chunk: model.SayChunk, reply: _Reply) -> None:
        if not chunk.text and not chunk.last:
            return
        if not chunk.text and not reply.open:
            return  # an empty closing chunk of a reply that said nothing
        self._emit(model.Speak(chunk.text, chunk.last))
        if reply.latency_from is not None:
            self.recorder.turn_latency(self.version, max(0.0, self.clock() - reply.latency_from))
            reply.latency_from = None
        reply.open = not chunk.last
        self._last_spoken_turn = reply.turn_id

    def _close_reply(self, reply: _Reply) -> None:
        """Marks the end of a reply whose last chunk did not say ``last``."""
        if reply.open:
            self._emit(model.Speak("", last=True))
            reply.open = False

    def _failed(self, reply: _Reply, *, give_up: bool = False) -> None:
        self.recorder.turn(self.version, "error")
        self._failures += 1
        self._close_reply(reply)
        if give_up or self._failures >= self.policy.max_turn_failures:
            self._hand_to_person(self.policy.sorry_transfer, reason="system_error")
        else:
            self._emit(model.Speak(self.policy.sorry_retry, last=True))

    # --- output ---------------------------------------------------------------------------

    def _emit(self, output: model.CallerOutput) -> None:
        if not self._closed:
            self._out.put_nowait(output)

    def _end(self, data: dict[str, str]) -> None:
        """Sends EndCall; nothing goes out after it."""
        self._emit(model.EndCall(data))
        self._closed = True

    def _hand_to_person(self, message: str, *, reason: str) -> None:
        """An apology, a transfer to the clinic's default target (when known), end."""
        if self._closed:
            return
        self._emit(model.Speak(message, last=True, interruptible=False))
        target = self.transfer_target(self._clinic_id)
        if target:
            self._transferred = True
            self._emit(model.TransferCall(target, "", {"reason": reason, "urgency": "soon"}))
        self.outcome = "error"
        self._end({"outcome": "error", "reason": reason})
