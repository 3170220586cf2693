"""Admission from measured load: refuse new calls while the calls already admitted are slow.

A fixed cap on concurrent calls cannot know what a call costs on this machine today (the model's
latency, the other tenants of the cores). So the gateway also watches what its callers feel —
the turn latency it measures for its SLO — and how late its own event loop runs, and stops
admitting new calls while either says the stack is saturated. Live calls are never cut; the
callers refused hear the busy message and are transferred, as over the cap.

    guard = LoadGuard(LoadLimits(turn_p95_s=0.6, loop_lag_s=0.25), clock=time.monotonic)
    guard.turn_latency(0.21)          # every turn the gateway measures
    guard.loop_lag(0.003)             # from LoopLagProbe, a few times a second
    guard.overloaded()                # None, or why new calls are refused now

``turn p95`` is over the turns of the last ``window_s`` seconds once at least ``min_turns`` were
seen (a few slow turns on an idle gateway are not saturation); loop lag is the worst lag of the
last ``window_s / 5`` seconds, judged on its median (a loop late that often delays every live
call's tokens; one late wake-up on a busy machine is not saturation).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from gateway.recording import CallRecorder

Clock = Callable[[], float]


@dataclass(frozen=True)
class LoadLimits:
    """0 turns a limit off."""

    turn_p95_s: float = 0.6  # under the SLO's 0.7 s, so admitted calls keep inside it
    loop_lag_s: float = 0.25
    window_s: float = 10.0
    min_turns: int = 20

    @property
    def enabled(self) -> bool:
        return self.turn_p95_s > 0 or self.loop_lag_s > 0


class LoadGuard:
    """Recent turn latencies and event-loop lag; see the module docstring."""

    def __init__(self, limits: LoadLimits, clock: Clock = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._turns: deque[tuple[float, float]] = deque()
        self._lags: deque[tuple[float, float]] = deque()

    def turn_latency(self, seconds: float) -> None:
        self._turns.append((self._clock(), seconds))

    def loop_lag(self, seconds: float) -> None:
        self._lags.append((self._clock(), seconds))

    def _forget(self, now: float) -> None:
        while self._turns and self._turns[0][0] < now - self.limits.window_s:
            self._turns.popleft()
        while self._lags and self._lags[0][0] < now - self.limits.window_s / 5:
            self._lags.popleft()

    def turn_p95(self) -> float | None:
        """p95 of the window's turn latencies; None with fewer than ``min_turns``."""
        self._forget(self._clock())
        if len(self._turns) < max(1, self.limits.min_turns):
            return None
        ordered = sorted(latency for _, latency in self._turns)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]  # nearest rank

    def typical_lag(self) -> float:
        """The median loop lag of the last ``window_s / 5`` seconds (0 with no samples)."""
        self._forget(self._clock())
        if not self._lags:
            return 0.0
        return statistics.median(lag for _, lag in self._lags)

    def overloaded(self) -> str | None:
        """Why new calls should be refused now, or None."""
        limits = self.limits
        if limits.loop_lag_s > 0:
            lag = self.typical_lag()
            if lag > limits.loop_lag_s:
                return f"event loop {1000 * lag:.0f} ms late"
        if limits.turn_p95_s > 0:
            p95 = self.turn_p95()
            if p95 is not None and p95 > limits.turn_p95_s:
                return f"turn p95 {1000 * p95:.0f} ms"
        return None


class GuardedRecorder:
    """A :class:`CallRecorder` that also tells the guard each turn's latency."""

    def __init__(self, inner: CallRecorder, guard: LoadGuard) -> None:
        self._inner = inner
        self._guard = guard

    def turn_latency(self, orchestrator_version: str, seconds: float) -> None:
        self._guard.turn_latency(seconds)
        self._inner.turn_latency(orchestrator_version, seconds)

    def turn(self, orchestrator_version: str, outcome: str) -> None:
        self._inner.turn(orchestrator_version, outcome)

    def call(self, orchestrator_version: str, outcome: str) -> None:
        self._inner.call(orchestrator_version, outcome)


class LoopLagProbe:
    """Sleeps ``interval`` seconds at a time and reports how much later than asked it woke."""

    def __init__(self, guard: LoadGuard, interval: float = 0.2) -> None:
        self._guard = guard
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="loop-lag-probe")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(self._interval)
            self._guard.loop_lag(max(0.0, loop.time() - asked - self._interval))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
