"""Load generation: N callers at once, each making call after call with think time between turns.

    plan = LoadPlan(callers=500, duration=120, ramp=30, think=(6, 10), mix=mix_from(paths))
    summary = await LoadRun(plan, target, sampler).run(out=sys.stdout)

Each caller is one telephone line: it starts after its share of the ramp, then dials a scenario
drawn from the mix (by weight), pauses ``think`` seconds (uniform) before each turn as a person
would, and redials shortly after the call ends, so about N calls are live at any time. At the end
of the run each caller hangs up at its next turn.

Measured over the window after the ramp: turns answered and their first-token latency (final
prompt or the keypad's ``#`` -> first text token, as the gateway's SLI), calls and their
outcomes, errors (no reply in time, a broken stream), refusals (the gateway's busy message),
booking calls that heard "that time was just taken", and CPU seconds of each of the stack's
processes (``procstat``) -> CPU-ms per turn. A line of progress is printed every few seconds;
:meth:`LoadRun.run` returns the summary (JSON-ready).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import grpc
from websockets.exceptions import InvalidHandshake, WebSocketException

from callsim.client import Call, Reply
from callsim.loadstats import (
    CallTally,
    LoadStats,
    call_figures,
    cpu_per_turn,
    latency_figures,
    verdict,
)
from callsim.procstat import ProcessSampler, machine_load
from callsim.runner import MS_PER_WORD, Target
from callsim.scenario import Scenario, ScenarioError, load_paths

# Callers per gRPC channel (one HTTP/2 connection carries this many call streams).
CALLERS_PER_CHANNEL = 100
# Pause between a caller's calls (seconds, uniform): a line is busy again soon, not at once.
REDIAL = (0.2, 1.0)
TAKEN = "just taken"
BOOKED = "booked for"
BUSY = "lines are busy"


@dataclass(frozen=True)
class MixItem:
    scenario: Scenario
    weight: float = 1.0


def mix_from(specs: Sequence[str]) -> list[MixItem]:
    """``PATH[=WEIGHT]`` items: every scenario of a file or folder, the file's weight shared
    among them (a file of 4 scenarios at weight 2 gives each 0.5)."""
    mix: list[MixItem] = []
    for spec in specs:
        path, _, weight_text = spec.partition("=")
        try:
            weight = float(weight_text) if weight_text else 1.0
        except ValueError:
            raise ScenarioError(f"{spec}: the weight after '=' must be a number") from None
        if weight <= 0:
            raise ScenarioError(f"{spec}: the weight must be more than 0")
        scenarios = load_paths([Path(path)])
        mix += [MixItem(s, weight / len(scenarios)) for s in scenarios]
    if not mix:
        raise ScenarioError("the call mix is empty: give at least one scenario file")
    return mix


def is_booking(scenario: Scenario) -> bool:
    return any(a.status == "booked" for a in scenario.expect.appointments)


@dataclass(frozen=True)
class LoadPlan:
    callers: int
    duration: float  # seconds measured, after the ramp
    mix: list[MixItem]
    ramp: float = 10.0
    think: tuple[float, float] = (6.0, 10.0)
    reply_timeout: float = 15.0
    progress_every: float = 5.0
    seed: int = 0
    relay: bool = False  # over ConversationRelay's WebSocket instead of gRPC

    def __post_init__(self) -> None:
        if self.callers < 1:
            raise ValueError("callers must be at least 1")
        if self.duration <= 0 or self.ramp < 0:
            raise ValueError("duration must be more than 0 and ramp 0 or more")
        low, high = self.think
        if low < 0 or high < low:
            raise ValueError("think is (min, max) seconds with 0 <= min <= max")

    def describe(self) -> dict[str, Any]:
        return {
            "callers": self.callers,
            "duration_s": self.duration,
            "ramp_s": self.ramp,
            "think_s": list(self.think),
            "transport": "ws" if self.relay else "grpc",
            "mix": sorted({item.scenario.source for item in self.mix}),
            "scenarios": len(self.mix),
        }


@dataclass
class _CallState:
    turns: int = 0
    heard_taken: bool = False
    booked: bool = False
    outcome: str = ""
    error: str = ""


@dataclass
class LoadRun:
    """One run of ``plan`` against ``target``; ``sampler`` reads the stack's processes (it may
    name none, e.g. for a remote gateway: then no CPU figures)."""

    plan: LoadPlan
    target: Target
    sampler: ProcessSampler = field(default_factory=lambda: ProcessSampler({}))
    clock: Any = time.monotonic
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, out: TextIO | None = None) -> dict[str, Any]:
        plan = self.plan
        started = self.clock()
        self.stats = LoadStats(started=started)
        rng = random.Random(plan.seed)
        weights = [item.weight for item in plan.mix]
        load_before = machine_load()
        async with self._channels() as channels:
            callers = [
                asyncio.create_task(
                    self._caller(
                        index,
                        channels[index // CALLERS_PER_CHANNEL] if channels else None,
                        random.Random(rng.random()),
                        weights,
                    )
                )
                for index in range(plan.callers)
            ]
            await self._sleep_unless_stopped(plan.ramp)
            window_start = self.clock()
            cpu_before = self.sampler.cpu_seconds()
            progress = asyncio.create_task(self._progress(out, window_start))
            await asyncio.sleep(plan.duration)
            window_end = self.clock()
            cpu_used = self.sampler.cpu_since(cpu_before)
            rss = self.sampler.rss_bytes()
            progress.cancel()
            self._stop.set()
            # Callers hang up at their next turn; one reply timeout is the most that can take.
            _, pending = await asyncio.wait(callers, timeout=plan.reply_timeout + 5)
            for task in pending:
                task.cancel()
            await asyncio.gather(*callers, return_exceptions=True)
        return self._summary(window_start, window_end, cpu_used, rss, load_before)

    @contextlib.asynccontextmanager
    async def _channels(self) -> AsyncIterator[list[grpc.aio.Channel]]:
        if self.plan.relay:
            yield []
            return
        count = (self.plan.callers + CALLERS_PER_CHANNEL - 1) // CALLERS_PER_CHANNEL
        async with contextlib.AsyncExitStack() as stack:
            channels = [
                await stack.enter_async_context(
                    # A local subchannel pool: each channel its own connection, not one shared.
                    self.target.telephony.channel(
                        self.target.gateway, options=[("grpc.use_local_subchannel_pool", 1)]
                    )
                )
                for n in range(count)
            ]
            yield channels

    async def _sleep_unless_stopped(self, seconds: float) -> bool:
        """Sleeps; True when the run stopped meanwhile."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stop.wait()
        return self._stop.is_set()

    async def _caller(
        self,
        index: int,
        channel: grpc.aio.Channel | None,
        rng: random.Random,
        weights: list[float],
    ) -> None:
        plan = self.plan
        if await self._sleep_unless_stopped(plan.ramp * index / plan.callers):
            return
        for run in itertools.count():
            scenario = rng.choices(plan.mix, weights)[0].scenario
            await self._call(index, run, scenario, channel, rng)
            if await self._sleep_unless_stopped(rng.uniform(*REDIAL)):
                return

    def _open(self, call_id: str, scenario: Scenario, channel: grpc.aio.Channel | None) -> Any:
        if channel is None:
            return Call.open_relay(
                self.target.relay,
                call_id=call_id,
                from_number=scenario.from_number,
                to_number=scenario.to_number,
                clinic_id=scenario.clinic,
                auth_token=self.target.relay_auth_token,
                ca_file=self.target.telephony.ca_file,
            )
        return Call.open(
            channel,
            call_id=call_id,
            from_number=scenario.from_number,
            to_number=scenario.to_number,
            clinic_id=scenario.clinic,
        )

    async def _call(
        self,
        index: int,
        run: int,
        scenario: Scenario,
        channel: grpc.aio.Channel | None,
        rng: random.Random,
    ) -> None:
        call_id = f"load-{index}-{run}-{uuid.uuid4().hex[:8]}"
        state = _CallState()
        self.stats.call_started()
        began = self.clock()
        try:
            async with self._open(call_id, scenario, channel) as call:
                await self._converse(call, scenario, state, rng)
        except TimeoutError:
            state.error = "no reply in time"
        except grpc.aio.AioRpcError as error:
            state.error = f"gateway {error.code().name}"
        except (OSError, InvalidHandshake, WebSocketException) as error:
            state.error = f"connection: {type(error).__name__}"
        self.stats.call_ended(
            CallTally(
                started=began,
                ended=self.clock(),
                outcome=state.outcome or ("error" if state.error else "unknown"),
                turns=state.turns,
                error=state.error,
                heard_taken=state.heard_taken,
                booking=is_booking(scenario),
                booked=state.booked,
            )
        )

    async def _converse(
        self, call: Call, scenario: Scenario, state: _CallState, rng: random.Random
    ) -> None:
        timeout = self.plan.reply_timeout
        greeting = await call.reply(timeout=timeout)
        last = greeting
        if BUSY in greeting.text.lower() or greeting.ended:
            await call.drain(1.0)
            state.outcome = call.end.outcome if call.end is not None else "ended"
            return
        for step in scenario.steps:
            if call.over:
                break
            if await self._sleep_unless_stopped(rng.uniform(*self.plan.think)):
                state.outcome = "ended_by_load"
                await call.hangup("caller")
                return
            if step.say is not None or step.dtmf is not None:
                asked = await (call.say(step.say) if step.say is not None else call.dtmf(step.keys))
                reply = await call.reply(asked=asked, timeout=timeout)
                self._heard(reply, state)
                last = reply
            elif step.interrupt is not None:
                heard = step.interrupt.heard or " ".join(last.text.split()[:3])
                await call.interrupt(heard, MS_PER_WORD * len(heard.split()))
                with contextlib.suppress(TimeoutError):
                    self._heard(await call.reply(timeout=step.interrupt.wait), state)
            else:
                await call.hangup("caller")
                state.outcome = "abandoned"
                return
        if not call.over:
            await call.drain(1.0)
        if not call.over:
            await call.hangup("caller")
            state.outcome = "abandoned"
            return
        if call.closed is not None and call.closed.error:
            state.error = call.closed.error.split(":")[0]
        state.outcome = call.end.outcome if call.end is not None else "closed"

    def _heard(self, reply: Reply, state: _CallState) -> None:
        if reply.latency is not None and reply.started is not None:
            state.turns += 1
            self.stats.turn(reply.started, reply.latency)
        text = reply.text.lower()
        state.heard_taken |= TAKEN in text
        state.booked |= BOOKED in text

    async def _progress(self, out: TextIO | None, window_start: float) -> None:
        if out is None:
            return
        every = self.plan.progress_every
        before = self.sampler.cpu_seconds()
        while True:
            await asyncio.sleep(every)
            now = self.clock()
            used = self.sampler.cpu_since(before)
            before = self.sampler.cpu_seconds()
            recent = self.stats.turns_between(now - every, now)
            figures = latency_figures(recent)
            calls = call_figures(self.stats.calls_between(window_start, now))
            cpu = sum(used.values())
            per_turn = f"{1000 * cpu / len(recent):5.1f}" if recent else "    -"
            print(
                f"{now - window_start:6.0f}s  live {self.stats.live:5d}  calls {calls['calls']:5d}"
                f"  turns/s {len(recent) / every:6.1f}  first token p50 {_ms(figures['p50_ms'])}"
                f" p95 {_ms(figures['p95_ms'])} p99 {_ms(figures['p99_ms'])} ms"
                f"  errors {calls['errors']}  refused {calls['refused']}"
                f"  taken {calls['heard_taken']}/{calls['booking_calls']}"
                f"  stack {cpu / every:4.2f} cores, {per_turn} ms/turn",
                file=out,
                flush=True,
            )

    def _summary(
        self,
        start: float,
        end: float,
        cpu_used: dict[str, float],
        rss: dict[str, int],
        load_before: tuple[float, float, float],
    ) -> dict[str, Any]:
        turns = self.stats.turns_between(start, end)
        seconds = end - start
        return {
            "plan": self.plan.describe(),
            "machine": {
                "cores": os.cpu_count(),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in machine_load()],
            },
            "window_s": round(seconds, 1),
            "turns": len(turns),
            "turns_per_s": round(len(turns) / seconds, 2),
            "latency": latency_figures(turns),
            "calls": call_figures(self.stats.calls_between(start, end)),
            "cpu_ms_per_turn": cpu_per_turn(cpu_used, len(turns)) if cpu_used else {},
            "cpu_cores": {name: round(s / seconds, 3) for name, s in sorted(cpu_used.items())},
            "rss_mb": {name: round(b / 2**20, 1) for name, b in sorted(rss.items())},
            "processes_gone": sorted(self.sampler.gone),
        }


def _ms(value: float | None) -> str:
    return f"{value:5.0f}" if value is not None else "    -"


def holds_slo(summary: dict[str, Any], p95_ms: float = 700.0, max_failures: float = 0.01) -> bool:
    return verdict(summary, p95_ms=p95_ms, max_failure_rate=max_failures)
