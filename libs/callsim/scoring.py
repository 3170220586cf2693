"""Figures over many simulated calls: containment, handoff completeness, task success, latency.

    summary = summarize(results)     # results: Sequence[Scored]
    summary.containment_rate, summary.latency_p95, ...

Definitions:

- containment rate: calls whose outcome is ``contained`` / all calls;
- handoff completeness: the mean ``completeness`` (0..1) of the handoff packets the calls created;
- task success: calls that met every expectation of their scenario / all calls;
- right end state: calls whose outcome, appointment changes and handoff (what the clinic's
  database and queue hold afterwards) are what the scenario expects / all calls, whatever was
  said on the way;
- misunderstanding turns: assistant replies that say the caller was not understood (they open
  with one of ``MISUNDERSTANDING_MARKERS``, the rules policy's re-ask wordings), per call;
- turn latency: seconds from a final prompt sent to the first text token of its reply; p50,
  p95, p99 by linear interpolation between closest ranks (numpy's default "linear" method).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

# How the assistant says it did not understand (``orchestrator.rules``: the first miss, the
# second with the keypad menu, the third's handoff line, an answer to a read-back that was not a
# clear yes). A reply containing one of them is a misunderstanding turn.
MISUNDERSTANDING_MARKERS = (
    "didn't catch that",
    "still not sure what you mean",
    "having trouble understanding",
    "booked anything yet",
    "cancelled anything yet",
    "moved anything yet",
)


def misunderstanding_turns(replies: Sequence[str]) -> int:
    """How many replies say the caller was not understood."""
    return sum(
        1 for reply in replies if any(m in reply.casefold() for m in MISUNDERSTANDING_MARKERS)
    )


class Scored(Protocol):
    """What scoring reads from one call's result."""

    @property
    def end_state_right(self) -> bool: ...

    @property
    def misunderstood_turns(self) -> int: ...

    @property
    def outcome(self) -> str: ...

    @property
    def passed(self) -> bool: ...

    @property
    def handoff_completeness(self) -> float | None: ...

    @property
    def latencies(self) -> list[float]: ...


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) by linear interpolation; None for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rate(part: int, whole: int) -> float | None:
    """``part / whole``, None when there is nothing to divide."""
    return part / whole if whole else None


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class Summary:
    calls: int
    passed: int
    task_success_rate: float | None
    containment_rate: float | None
    outcomes: dict[str, int] = field(default_factory=dict)
    handoffs: int = 0  # calls whose handoff packet could be read
    handoff_completeness: float | None = None
    turns: int = 0  # turns with a measured latency
    latency_p50: float | None = None
    latency_p95: float | None = None
    latency_p99: float | None = None
    end_state_right: int = 0
    end_state_rate: float | None = None
    misunderstanding_turns: int = 0
    misunderstanding_per_call: float | None = None
    misunderstood_twice: int = 0  # calls with two or more misunderstanding turns


def summarize(results: Sequence[Scored]) -> Summary:
    outcomes = Counter(result.outcome for result in results)
    completeness = [r.handoff_completeness for r in results if r.handoff_completeness is not None]
    latencies = [latency for result in results for latency in result.latencies]
    passed = sum(1 for result in results if result.passed)
    right = sum(1 for result in results if result.end_state_right)
    misses = [result.misunderstood_turns for result in results]
    return Summary(
        calls=len(results),
        passed=passed,
        task_success_rate=rate(passed, len(results)),
        containment_rate=rate(outcomes.get("contained", 0), len(results)),
        outcomes=dict(sorted(outcomes.items())),
        handoffs=len(completeness),
        handoff_completeness=mean(completeness),
        turns=len(latencies),
        latency_p50=percentile(latencies, 50),
        latency_p95=percentile(latencies, 95),
        latency_p99=percentile(latencies, 99),
        end_state_right=right,
        end_state_rate=rate(right, len(results)),
        misunderstanding_turns=sum(misses),
        misunderstanding_per_call=mean([float(m) for m in misses]),
        misunderstood_twice=sum(1 for m in misses if m >= 2),
    )
