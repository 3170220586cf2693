"""What a load run measured, and the figures made from it (no I/O).

    stats = LoadStats(started=clock())
    stats.turn(at=clock(), latency=0.031)
    stats.call_ended(CallTally(outcome="contained", turns=9, heard_taken=False, ...))
    window = stats.window(since=clock() - 10)     # the last 10 s, for the live line
    summary = summarize(stats, measured=(t0, t1), cpu=..., ...)   # the JSON summary

Percentiles are the inclusive method (``statistics.quantiles``), in milliseconds.
"""

from __future__ import annotations

import bisect
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


def percentile(samples: list[float], q: float) -> float | None:
    """The q-th percentile (0 < q < 100) of ``samples``; None when there are none."""
    if not samples:
        return None
    if len(samples) == 1:
        return samples[0]
    cuts = statistics.quantiles(samples, n=1000, method="inclusive")
    return cuts[min(len(cuts) - 1, max(0, round(q * 10) - 1))]


def latency_figures(seconds: list[float]) -> dict[str, float | None]:
    """p50/p95/p99/max in milliseconds, rounded to 0.1 ms."""
    ms = sorted(1000 * s for s in seconds)

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "p50_ms": rounded(percentile(ms, 50)),
        "p95_ms": rounded(percentile(ms, 95)),
        "p99_ms": rounded(percentile(ms, 99)),
        "max_ms": rounded(ms[-1] if ms else None),
    }


@dataclass(frozen=True)
class CallTally:
    """One finished call, as the load generator saw it."""

    started: float  # monotonic
    ended: float
    outcome: str  # contained | handoff | abandoned | refused | error | ...
    turns: int  # caller turns that got a reply
    error: str = ""  # why the call failed ("" when it did not)
    # The call heard "that time was just taken" at least once / was a booking call.
    heard_taken: bool = False
    booking: bool = False
    booked: bool = False


@dataclass
class LoadStats:
    """Everything the callers report, kept in arrival order (times are monotonic seconds)."""

    started: float
    turn_times: list[float] = field(default_factory=list)
    turn_latencies: list[float] = field(default_factory=list)
    calls: list[CallTally] = field(default_factory=list)
    live: int = 0
    dialled: int = 0

    def turn(self, at: float, latency: float) -> None:
        self.turn_times.append(at)
        self.turn_latencies.append(latency)

    def call_started(self) -> None:
        self.live += 1
        self.dialled += 1

    def call_ended(self, tally: CallTally) -> None:
        self.live -= 1
        self.calls.append(tally)

    def turns_between(self, start: float, end: float) -> list[float]:
        """Latencies of turns answered in [start, end)."""
        lo = bisect.bisect_left(self.turn_times, start)
        hi = bisect.bisect_left(self.turn_times, end)
        return self.turn_latencies[lo:hi]

    def calls_between(self, start: float, end: float) -> list[CallTally]:
        return [c for c in self.calls if start <= c.ended < end]


def call_figures(calls: list[CallTally]) -> dict[str, Any]:
    """Counts and rates over finished calls: outcomes, errors, refusals, slot collisions."""
    outcomes = Counter(c.outcome for c in calls)
    errors = Counter(c.error for c in calls if c.error)
    bookings = [c for c in calls if c.booking]
    total = len(calls)
    failed = sum(1 for c in calls if c.error)
    refused = outcomes.get("refused", 0)
    return {
        "calls": total,
        "outcomes": dict(sorted(outcomes.items())),
        "errors": failed,
        "error_kinds": dict(errors.most_common(10)),
        "refused": refused,
        "error_rate": round(failed / total, 4) if total else 0.0,
        "refusal_rate": round(refused / total, 4) if total else 0.0,
        "booking_calls": len(bookings),
        "booked": sum(1 for c in bookings if c.booked),
        "heard_taken": sum(1 for c in bookings if c.heard_taken),
        "heard_taken_rate": (
            round(sum(1 for c in bookings if c.heard_taken) / len(bookings), 4) if bookings else 0.0
        ),
    }


def cpu_per_turn(cpu_seconds: dict[str, float], turns: int) -> dict[str, float]:
    """CPU milliseconds per turn per process, plus ``stack`` (their sum)."""
    per = {name: round(1000 * s / max(turns, 1), 2) for name, s in sorted(cpu_seconds.items())}
    per["stack"] = round(1000 * sum(cpu_seconds.values()) / max(turns, 1), 2)
    return per


def verdict(summary: dict[str, Any], *, p95_ms: float, max_failure_rate: float) -> bool:
    """True when the run held the SLO: turn p95 under ``p95_ms`` and errors + refusals under
    ``max_failure_rate`` of calls (a run with no turns does not hold it)."""
    p95 = summary["latency"]["p95_ms"]
    calls = summary["calls"]
    if p95 is None or not calls["calls"]:
        return False
    failures = (calls["errors"] + calls["refused"]) / calls["calls"]
    return bool(p95 < p95_ms and failures < max_failure_rate)
