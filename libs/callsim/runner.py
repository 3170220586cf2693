"""Drives scenarios over ``CallGateway.Converse`` and checks what each call achieved.

    target = Target(gateway="127.0.0.1:50051", handoff="127.0.0.1:50055",
                    scheduler_db="sqlite:///.frontdesk/scheduler.db")
    results = await run_all(scenarios, target, concurrency=8, repeat=1)

Per call: a fresh call id, the greeting, then each step (a step's reply is read up to
``Text.last``), then the call's tail (the end message, or our hangup if the scenario ran out of
steps with the call still open). The result holds the transcript, the outcome (from
End.handoff_data; ``abandoned`` when we hung up), the transfer, per-turn latency (final prompt
sent -> first text token) and every expectation that failed.

Calls about the same patient never overlap (a lock per patient), so before/after appointment
snapshots belong to one call even with ``--repeat`` and ``--concurrency``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import grpc
from websockets.exceptions import InvalidHandshake

from callsim.client import Call, Closed, EndInfo, Reply, TransferInfo
from callsim.endstate import (
    AppointmentReader,
    HandoffFacts,
    HandoffReader,
    Snapshot,
    appointment_problems,
    changed,
    describe,
    handoff_problems,
)
from callsim.scenario import Scenario, Step
from callsim.scoring import misunderstanding_turns
from servicekit.auth import INSECURE_CLIENT, GrpcClient

# Assumed speaking rate, for Interrupt.duration_until_interrupt_ms.
MS_PER_WORD = 350
# How long to wait for the call's end after the last step's reply.
TAIL_QUIET = 1.0


@dataclass(frozen=True)
class Target:
    """Where the stack is: gateway and handoff gRPC addresses, the scheduler's database."""

    gateway: str
    handoff: str = ""
    scheduler_db: str = ""
    # The gateway's ConversationRelay WebSocket URL: calls go over it instead of gRPC Converse,
    # signed with ``relay_auth_token`` the way Twilio signs (empty: unsigned).
    relay: str = ""
    relay_auth_token: str = ""
    # How to connect: TLS and the telephony / agent desk tokens (plaintext only when insecure).
    telephony: GrpcClient = INSECURE_CLIENT
    agent_desk: GrpcClient = INSECURE_CLIENT


@dataclass
class Turn:
    step: int  # 1-based step number; 0 is the greeting
    kind: str  # greeting | say | dtmf | interrupt | hangup
    sent: str
    reply: str
    latency: float | None  # seconds, final prompt -> first token (None when no reply)


@dataclass
class CallResult:
    scenario: str
    run: int
    call_id: str
    outcome: str = "unknown"
    turns: list[Turn] = field(default_factory=list)
    transfer: TransferInfo | None = None
    end: dict[str, object] = field(default_factory=dict)
    handoff: HandoffFacts | None = None
    failures: list[str] = field(default_factory=list)
    # The failures about what the call left behind (outcome, appointments, handoff, a call that
    # broke), also in ``failures``; a wording expectation missed is not one of them.
    end_state_problems: list[str] = field(default_factory=list)
    duration: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def end_state_right(self) -> bool:
        return not self.end_state_problems

    @property
    def misunderstood_turns(self) -> int:
        return misunderstanding_turns([t.reply for t in self.turns if t.kind != "greeting"])

    @property
    def latencies(self) -> list[float]:
        """Latencies of ``say`` turns only: the prompt -> first token measure."""
        return [t.latency for t in self.turns if t.kind == "say" and t.latency is not None]

    @property
    def handoff_completeness(self) -> float | None:
        return self.handoff.completeness if self.handoff is not None else None

    @property
    def replies(self) -> list[str]:
        return [t.reply for t in self.turns if t.reply]


def _contains(haystack: str, needle: str) -> bool:
    return needle.casefold() in haystack.casefold()


def _heard(step: Step, last_reply: str) -> str:
    assert step.interrupt is not None
    if step.interrupt.heard:
        return step.interrupt.heard
    words = last_reply.split()
    return " ".join(words[: max(1, len(words) // 2)]) if words else ""


class _Conversation:
    """One scenario, one call: the steps and what came back."""

    def __init__(self, scenario: Scenario, call: Call, result: CallResult) -> None:
        self.scenario = scenario
        self.call = call
        self.result = result
        self.hung_up = False

    def _record(self, number: int, kind: str, sent: str, reply: Reply) -> None:
        self.result.turns.append(Turn(number, kind, sent, reply.text, reply.latency))

    async def run(self) -> None:
        timeout = self.scenario.reply_timeout
        try:
            greeting = await self.call.reply(timeout=timeout)
        except TimeoutError:
            self.result.failures.append(f"no greeting within {timeout:.0f} s")
            return
        self._record(0, "greeting", "", greeting)
        for number, step in enumerate(self.scenario.steps, start=1):
            if self.call.over:
                rest = len(self.scenario.steps) - number + 1
                self.result.failures.append(
                    f"the call ended before step {number} ({step.describe()}); "
                    f"{rest} step(s) not used"
                )
                return
            try:
                await self._step(number, step)
            except TimeoutError:
                self.result.failures.append(
                    f"step {number} ({step.describe()}): no reply within {timeout:.0f} s"
                )
                return
            if self.hung_up:
                return

    async def _step(self, number: int, step: Step) -> None:
        timeout = self.scenario.reply_timeout
        if step.say is not None:
            asked = await self.call.say(step.say)
            reply = await self.call.reply(asked=asked, timeout=timeout)
            self._record(number, "say", step.say, reply)
        elif step.dtmf is not None:
            asked = await self.call.dtmf(step.keys)
            reply = await self.call.reply(asked=asked, timeout=timeout)
            self._record(number, "dtmf", step.keys, reply)
        elif step.interrupt is not None:
            last = next((t.reply for t in reversed(self.result.turns) if t.reply), "")
            heard = _heard(step, last)
            await self.call.interrupt(heard, MS_PER_WORD * len(heard.split()))
            try:
                reply = await self.call.reply(timeout=step.interrupt.wait)
            except TimeoutError:  # no answer to a barge-in is fine: the caller talks next
                reply = Reply()
            self._record(number, "interrupt", heard, reply)
            return
        else:
            assert step.hangup is not None
            await self.call.hangup(step.hangup.reason)
            self.hung_up = True
            self.result.turns.append(Turn(number, "hangup", step.hangup.reason, "", None))
            return
        if reply.ended and not reply.text:
            rest = len(self.scenario.steps) - number
            self.result.failures.append(
                f"the call ended before step {number} ({step.describe()}) got a reply"
                + (f"; {rest} later step(s) not used" if rest else "")
            )
            return
        missing = [text for text in step.expect_reply if not _contains(reply.text, text)]
        if missing:
            self.result.failures.append(
                f"step {number} ({step.describe()}): reply {reply.text!r} lacks {missing}"
            )

    async def finish(self) -> None:
        """Waits for the call's end; hangs up when the scenario left it open."""
        if not self.call.over and not self.hung_up:
            await self.call.drain(TAIL_QUIET)
        if not self.call.over and not self.hung_up:
            await self.call.hangup("caller")
            self.hung_up = True
        # After a hangup the gateway sends nothing more and closes the stream.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.scenario.reply_timeout):
                while self.call.closed is None:
                    event = await self.call.next_event()
                    if isinstance(event, Closed):
                        break


def _outcome(call: Call, hung_up: bool) -> str:
    if call.end is not None and call.end.outcome:
        return call.end.outcome
    if hung_up:
        return "abandoned"
    if call.closed is not None and call.closed.error:
        return "error"
    return "unknown"


def check_expectations(scenario: Scenario, result: CallResult) -> list[str]:
    """The conversational expectations (outcome, reply texts); end state is checked apart."""
    expect = scenario.expect
    problems = []
    if expect.outcome is not None and result.outcome != expect.outcome:
        detail = f" (end: {result.end})" if result.end else ""
        problems.append(f"outcome is {result.outcome!r}, expected {expect.outcome!r}{detail}")
    everything = "\n".join(result.replies)
    greeting = result.turns[0].reply if result.turns and result.turns[0].kind == "greeting" else ""
    for text in expect.greeting_contains:
        if not _contains(greeting, text):
            problems.append(f"the greeting {greeting!r} lacks {text!r}")
    for text in expect.reply_contains:
        if not _contains(everything, text):
            problems.append(f"no reply contains {text!r}")
    for text in expect.reply_excludes:
        if _contains(everything, text):
            problems.append(f"a reply contains {text!r}, which it must not")
    return problems


class Runner:
    """Runs scenarios against one stack; see the module docstring."""

    def __init__(self, target: Target, *, concurrency: int = 8) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.target = target
        self._slots = asyncio.Semaphore(concurrency)
        self._patient_locks: dict[str, asyncio.Lock] = {}
        self._appointments = AppointmentReader(target.scheduler_db) if target.scheduler_db else None

    def close(self) -> None:
        if self._appointments is not None:
            self._appointments.close()

    async def run_all(self, scenarios: Sequence[Scenario], repeat: int = 1) -> list[CallResult]:
        """Every scenario ``repeat`` times, at most ``concurrency`` calls at once, in order."""
        async with contextlib.AsyncExitStack() as stack:
            gateway = await stack.enter_async_context(
                self.target.telephony.channel(self.target.gateway)
            )
            handoff = (
                await stack.enter_async_context(self.target.agent_desk.channel(self.target.handoff))
                if self.target.handoff
                else None
            )
            jobs = [
                self.run_one(scenario, run, gateway, handoff)
                for run in range(1, repeat + 1)
                for scenario in scenarios
            ]
            return list(await asyncio.gather(*jobs))

    async def run_one(
        self,
        scenario: Scenario,
        run: int,
        gateway: grpc.aio.Channel,
        handoff: grpc.aio.Channel | None,
    ) -> CallResult:
        async with contextlib.AsyncExitStack() as stack:
            # Patient locks in a fixed order, then a concurrency slot: no deadlock, no overlap.
            for patient in sorted(scenario.patients()):
                lock = self._patient_locks.setdefault(patient, asyncio.Lock())
                await stack.enter_async_context(lock)
            await stack.enter_async_context(self._slots)
            return await self._call(scenario, run, gateway, handoff)
        raise AssertionError("unreachable")

    async def _snapshots(self, scenario: Scenario) -> tuple[dict[str, Snapshot], list[str]]:
        if not scenario.patients():
            return {}, []
        if self._appointments is None:
            return {}, ["appointment checks need the scheduler database URL (stack.json)"]
        reader = self._appointments
        snaps: dict[str, Snapshot] = {}
        try:
            for patient in scenario.patients():
                snaps[patient] = await asyncio.to_thread(reader.snapshot, patient)
        except Exception as error:  # any database failure makes the check unanswerable
            return {}, [f"cannot read appointments: {error}"]
        return snaps, []

    async def _call(
        self,
        scenario: Scenario,
        run: int,
        gateway: grpc.aio.Channel,
        handoff: grpc.aio.Channel | None,
    ) -> CallResult:
        call_id = f"sim-{scenario.name}-{run}-{uuid.uuid4().hex[:8]}"
        result = CallResult(scenario.name, run, call_id)
        before, problems = await self._snapshots(scenario)
        started = time.monotonic()
        opened = (
            Call.open_relay(
                self.target.relay,
                call_id=call_id,
                from_number=scenario.from_number,
                to_number=scenario.to_number,
                clinic_id=scenario.clinic,
                auth_token=self.target.relay_auth_token,
                ca_file=self.target.telephony.ca_file,
            )
            if self.target.relay
            else Call.open(
                gateway,
                call_id=call_id,
                from_number=scenario.from_number,
                to_number=scenario.to_number,
                clinic_id=scenario.clinic,
            )
        )
        try:
            async with opened as call:
                conversation = _Conversation(scenario, call, result)
                await conversation.run()
                await conversation.finish()
                result.outcome = _outcome(call, conversation.hung_up)
                result.transfer = call.transfer
                result.end = dict(call.end.data) if isinstance(call.end, EndInfo) else {}
                if call.closed is not None and call.closed.error:
                    result.end_state_problems.append(f"the call failed: {call.closed.error}")
        except grpc.aio.AioRpcError as error:
            result.end_state_problems.append(f"gateway: {error.code().name}: {error.details()}")
        except (OSError, InvalidHandshake) as error:
            result.end_state_problems.append(f"relay: {error}")
        result.duration = time.monotonic() - started
        result.failures += result.end_state_problems
        expectations = check_expectations(scenario, result)
        result.failures += expectations
        result.end_state_problems += [p for p in expectations if p.startswith("outcome is ")]
        result.failures += problems
        result.end_state_problems += problems
        failures_before = len(result.failures)
        await self._check_end_state(scenario, result, before, handoff)
        result.end_state_problems += result.failures[failures_before:]
        return result

    async def _check_end_state(
        self,
        scenario: Scenario,
        result: CallResult,
        before: dict[str, Snapshot],
        handoff: grpc.aio.Channel | None,
    ) -> None:
        expect = scenario.expect
        if before and self._appointments is not None:
            changes = []
            for patient, snapshot in before.items():
                after = await asyncio.to_thread(self._appointments.snapshot, patient)
                changes += changed(snapshot, after)
            if expect.appointments_unchanged and changes:
                result.failures.append(
                    "appointments changed: " + "; ".join(describe(c) for c in changes)
                )
            result.failures += appointment_problems(expect.appointments, changes)

        handoff_id = (result.transfer.handoff_id if result.transfer else "") or str(
            result.end.get("handoff_id", "")
        )
        wants = expect.handoff is not None
        if handoff is not None and (handoff_id or wants or result.outcome == "handoff"):
            try:
                result.handoff = await HandoffReader(handoff).find(result.call_id, handoff_id)
            except grpc.aio.AioRpcError as error:
                result.failures.append(
                    f"cannot read the handoff: {error.code().name}: {error.details()}"
                )
                return
        if expect.handoff is not None:
            if handoff is None:
                result.failures.append("handoff checks need the handoff service (stack.json)")
            else:
                result.failures += handoff_problems(expect.handoff, result.handoff)
