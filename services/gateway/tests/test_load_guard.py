"""Admission from measured load: the guard's verdicts, and the switchboard refusing new calls
(busy + transfer + end, reason ``overload``) while turns are slow, live calls going on."""

from __future__ import annotations

import asyncio
import time

from clinic import ClinicDirectory
from gateway import model
from gateway.call import CallPolicy
from gateway.load_guard import GuardedRecorder, LoadGuard, LoadLimits, LoopLagProbe
from gateway.recording import PrometheusRecorder
from gateway.switchboard import BUSY_MESSAGE, Switchboard
from gateway.tests.fakes import ScriptedOrchestrator
from gateway.tests.support import DEMO_DESK, VERSION, Caller, sample, setup
from servicekit import Metrics

GREETING = "Hello, how can I help?"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_slow_turns_over_the_window_mean_overload_and_it_passes() -> None:
    clock = Clock()
    guard = LoadGuard(LoadLimits(turn_p95_s=0.6, loop_lag_s=0, window_s=10, min_turns=20), clock)
    for _ in range(19):
        guard.turn_latency(2.0)
    assert guard.overloaded() is None  # too few turns to judge
    guard.turn_latency(2.0)
    assert guard.overloaded() == "turn p95 2000 ms"
    clock.now += 11  # the slow turns leave the window
    assert guard.overloaded() is None and guard.turn_p95() is None
    for _ in range(95):
        guard.turn_latency(0.1)
    for _ in range(5):
        guard.turn_latency(3.0)  # 5% slow: p95 is still the fast ones' edge
    assert guard.overloaded() is None
    guard.turn_latency(3.0)
    assert guard.overloaded() is not None


def test_a_late_event_loop_means_overload_for_a_short_while() -> None:
    clock = Clock()
    guard = LoadGuard(LoadLimits(turn_p95_s=0, loop_lag_s=0.25, window_s=10), clock)
    guard.loop_lag(0.01)
    guard.loop_lag(0.4)  # one late wake-up is not saturation
    assert guard.overloaded() is None
    guard.loop_lag(0.4)
    assert guard.overloaded() == "event loop 400 ms late"
    clock.now += 2.1  # lag is judged over window / 5
    assert guard.overloaded() is None


def test_limits_at_zero_are_off() -> None:
    assert not LoadLimits(turn_p95_s=0, loop_lag_s=0).enabled
    guard = LoadGuard(LoadLimits(turn_p95_s=0, loop_lag_s=0, min_turns=1), Clock())
    guard.turn_latency(9.0)
    guard.loop_lag(9.0)
    assert guard.overloaded() is None


async def test_the_probe_measures_a_blocked_event_loop() -> None:
    guard = LoadGuard(LoadLimits(turn_p95_s=0, loop_lag_s=0.05, window_s=10))
    probe = LoopLagProbe(guard, interval=0.01)
    probe.start()
    for _ in range(8):
        time.sleep(0.1)  # block the loop, as CPU-bound bursts would
        await asyncio.sleep(0)  # the probe wakes (late), and sleeps again
    await probe.stop()
    assert guard.typical_lag() >= 0.05
    assert guard.overloaded() is not None


async def test_while_turns_are_slow_new_calls_hear_busy_and_live_calls_go_on(
    orchestrator: ScriptedOrchestrator, metrics: Metrics, clinics: ClinicDirectory
) -> None:
    clock = Clock()
    guard = LoadGuard(LoadLimits(turn_p95_s=0.6, loop_lag_s=0, window_s=10, min_turns=3), clock)
    switchboard = Switchboard(
        orchestrator,
        GuardedRecorder(PrometheusRecorder(metrics, VERSION), guard),
        clinics,
        capacity=100,
        policy=CallPolicy(turn_timeout=10.0),
        drain_timeout=5,
        guard=guard,
    )
    live = Caller(switchboard)
    live.send(setup("call-live"))
    assert await live.reply() == GREETING
    # What the gateway measured on its turns (the recorder the calls use feeds the guard).
    for _ in range(3):
        GuardedRecorder(PrometheusRecorder(metrics, VERSION), guard).turn_latency("v1", 1.5)
    refused = Caller(switchboard)
    refused.send(setup("call-refused"))
    assert await refused.rest() == [
        model.Speak(BUSY_MESSAGE, last=True, interruptible=False),
        model.TransferCall(DEMO_DESK, "", {"reason": "capacity", "urgency": "routine"}),
        model.EndCall({"outcome": "refused", "reason": "overload"}),
    ]
    assert [c.call_id for c in orchestrator.claims] == ["call-live"]
    assert sample(metrics, "frontdesk_calls_total", outcome="refused", orchestrator_version="") == 1
    # The live call still talks.
    live.send(model.Prompt("what are your hours", last=True))
    assert await live.reply()
    # Once the slow turns leave the window, calls are admitted again.
    clock.now += 11
    again = Caller(switchboard)
    again.send(setup("call-again"))
    assert await again.reply() == GREETING
