"""Printing simulation results: a pass/fail table and the summary, or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from callsim.runner import CallResult
from callsim.scoring import Summary, percentile


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _per_call(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(results: Sequence[CallResult]) -> str:
    """One line per call: scenario, run, PASS/FAIL, whether the end state is right, outcome
    (``contained`` is containment), turns, misunderstanding turns, median latency, first
    failure."""
    header = [
        "SCENARIO",
        "RUN",
        "RESULT",
        "END",
        "OUTCOME",
        "TURNS",
        "MISUNDERSTOOD",
        "P50",
        "PROBLEM",
    ]
    rows = [
        [
            r.scenario,
            str(r.run),
            "PASS" if r.passed else "FAIL",
            "right" if r.end_state_right else "WRONG",
            r.outcome,
            str(sum(1 for t in r.turns if t.kind != "greeting")),
            str(r.misunderstood_turns),
            _seconds(percentile(r.latencies, 50)),
            (r.failures[0] + (f" (+{len(r.failures) - 1} more)" if len(r.failures) > 1 else ""))
            if r.failures
            else "",
        ]
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def summary_text(summary: Summary) -> str:
    outcomes = ", ".join(f"{k} {v}" for k, v in summary.outcomes.items()) or "none"
    return "\n".join(
        [
            f"calls: {summary.calls}, passed: {summary.passed}",
            f"task success: {_share(summary.task_success_rate)}",
            f"right end state: {summary.end_state_right}/{summary.calls}"
            f" ({_share(summary.end_state_rate)})",
            f"misunderstanding turns: {summary.misunderstanding_turns}"
            f" ({_per_call(summary.misunderstanding_per_call)} per call;"
            f" {summary.misunderstood_twice} call(s) with two or more)",
            f"containment: {_share(summary.containment_rate)} (outcomes: {outcomes})",
            f"handoff completeness: {_share(summary.handoff_completeness)}"
            f" over {summary.handoffs} handoff(s)",
            f"turn latency over {summary.turns} turn(s): p50 {_seconds(summary.latency_p50)},"
            f" p95 {_seconds(summary.latency_p95)}, p99 {_seconds(summary.latency_p99)}",
        ]
    )


def transcript(result: CallResult) -> str:
    """A failed call, readable: the problems, then who said what."""
    lines = [f"--- {result.scenario} run {result.run} (call {result.call_id})"]
    lines += [f"  problem: {failure}" for failure in result.failures]
    for turn in result.turns:
        if turn.kind != "greeting":
            lines.append(f"  caller ({turn.kind}): {turn.sent}")
        if turn.reply:
            latency = f" [{_seconds(turn.latency)}]" if turn.latency is not None else ""
            lines.append(f"  assistant{latency}: {turn.reply}")
    if result.transfer is not None:
        lines.append(f"  transfer: {result.transfer.target} {result.transfer.data}")
    if result.end:
        lines.append(f"  end: {result.end}")
    return "\n".join(lines)


def as_json(results: Sequence[CallResult], summary: Summary) -> str:
    def call(result: CallResult) -> dict[str, Any]:
        data = asdict(result)
        data["passed"] = result.passed
        return data

    return json.dumps(
        {"summary": asdict(summary), "calls": [call(r) for r in results]}, indent=2, default=str
    )
