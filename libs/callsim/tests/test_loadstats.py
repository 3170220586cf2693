from __future__ import annotations

import asyncio
from typing import Any

import pytest

from callsim.load_command import drift, find_capacity
from callsim.loadstats import (
    CallTally,
    LoadStats,
    call_figures,
    cpu_per_turn,
    latency_figures,
    percentile,
    verdict,
)


def test_percentiles_of_latencies_in_milliseconds() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 99) == 7.0
    figures = latency_figures([i / 1000 for i in range(1, 101)])
    assert figures["p50_ms"] == pytest.approx(50.5, abs=0.2)
    assert figures["p95_ms"] == pytest.approx(95.0, abs=0.2)
    assert figures["p99_ms"] == pytest.approx(99.0, abs=0.2)
    assert figures["max_ms"] == 100.0


def tally(outcome: str, *, error: str = "", booking: bool = False, taken: bool = False) -> Any:
    return CallTally(0, 1, outcome, 3, error=error, booking=booking, heard_taken=taken)


def test_call_figures_count_errors_refusals_and_collisions() -> None:
    calls = [
        tally("contained", booking=True, taken=True),
        tally("contained", booking=True),
        tally("refused"),
        tally("error", error="no reply in time"),
    ]
    figures = call_figures(calls)
    assert figures["calls"] == 4
    assert figures["errors"] == 1 and figures["error_kinds"] == {"no reply in time": 1}
    assert figures["refused"] == 1 and figures["refusal_rate"] == 0.25
    assert figures["booking_calls"] == 2 and figures["heard_taken_rate"] == 0.5


def test_turns_and_calls_are_counted_inside_the_window_only() -> None:
    stats = LoadStats(started=0)
    for at in (1.0, 2.0, 3.0, 4.0):
        stats.turn(at, at / 10)
    assert stats.turns_between(2.0, 4.0) == [0.2, 0.3]
    stats.call_started()
    stats.call_ended(CallTally(0.5, 3.5, "contained", 2))
    assert stats.live == 0 and stats.dialled == 1
    assert len(stats.calls_between(3, 4)) == 1 and stats.calls_between(4, 5) == []


def test_cpu_per_turn_per_process_and_for_the_stack() -> None:
    per = cpu_per_turn({"gateway": 0.5, "orchestrator": 1.5}, 100)
    assert per == {"gateway": 5.0, "orchestrator": 15.0, "stack": 20.0}


def summary(p95: float | None, calls: int, errors: int = 0, refused: int = 0) -> dict[str, Any]:
    return {
        "latency": {"p95_ms": p95},
        "calls": {"calls": calls, "errors": errors, "refused": refused},
        "cpu_ms_per_turn": {"stack": 10.0},
    }


def test_the_slo_verdict() -> None:
    assert verdict(summary(600, 200), p95_ms=700, max_failure_rate=0.01)
    assert not verdict(summary(701, 200), p95_ms=700, max_failure_rate=0.01)
    assert not verdict(summary(100, 200, errors=1, refused=1), p95_ms=700, max_failure_rate=0.01)
    assert not verdict(summary(None, 0), p95_ms=700, max_failure_rate=0.01)


def test_drift_from_the_first_round() -> None:
    first, later = summary(100, 10), summary(110, 10)
    later["cpu_ms_per_turn"] = {"stack": 9.0}
    assert drift(first, later) == {"cpu_ms_per_turn": -0.1, "p95_ms": 0.1}


def test_find_capacity_doubles_then_bisects() -> None:
    tried: list[int] = []

    async def one(callers: int, label: str) -> dict[str, Any]:
        tried.append(callers)
        return {"holds_slo": callers <= 730}

    report = asyncio.run(find_capacity(one, 100, 2000))
    assert tried[:5] == [100, 200, 400, 800, 600]
    assert 700 <= report["capacity"] <= 730 < report["first_failing"]
    assert report["first_failing"] - report["capacity"] <= 35


def test_find_capacity_stops_at_the_ceiling() -> None:
    async def one(callers: int, label: str) -> dict[str, Any]:
        return {"holds_slo": True}

    report = asyncio.run(find_capacity(one, 300, 1000))
    assert report["capacity"] == 1000 and report["first_failing"] is None
