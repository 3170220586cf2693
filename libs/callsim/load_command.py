"""``frontdesk load``: N concurrent callers against the stack in stack.json (or any gateway).

Prints a progress line every few seconds and a summary at the end; ``--json FILE`` also writes
the summary (``-`` prints it instead of the text). With ``--rounds R`` runs R back-to-back
rounds on the same stack and reports each and its drift from the first. With
``--find-capacity`` runs rounds at growing N (then bisects) to find the highest N that holds
turn p95 < ``--p95-ms`` with under ``--max-failures`` of calls failed or refused.

Returns 0 when every round held the SLO, 1 when one did not, 2 when the plan or the stack could
not be used.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from callsim.load import LoadPlan, LoadRun, holds_slo, mix_from
from callsim.procstat import ProcessSampler
from callsim.runner import Target
from callsim.scenario import ScenarioError
from servicekit.settings import PROJECT_ROOT

SCENARIOS = PROJECT_ROOT / "tests" / "e2e" / "scenarios"
# Booking calls and question calls, 8-10 turns for most: what a clinic's lines mostly carry.
DEFAULT_MIX = (
    f"{SCENARIOS / 'booking.yaml'}=3",
    f"{SCENARIOS / 'booking_variants.yaml'}=1",
    f"{SCENARIOS / 'existing.yaml'}=1",
    f"{SCENARIOS / 'questions.yaml'}=1",
    f"{SCENARIOS / 'conversation.yaml'}=1",
)


@dataclass(frozen=True)
class LoadOptions:
    callers: int
    duration: float
    ramp: float
    think: tuple[float, float]
    mix: Sequence[str]
    reply_timeout: float = 15.0
    progress_every: float = 5.0
    seed: int = 0
    rounds: int = 1
    find_capacity: bool = False
    max_callers: int = 2000
    p95_ms: float = 700.0
    max_failures: float = 0.01


def stack_processes(state_dir: Path) -> dict[str, int]:
    """name -> pid of the stack's services and its NATS server, from stack.json ({} if none)."""
    from frontdesk.cli.stackfile import StackFile, StackNotRunning

    try:
        state = StackFile.load(state_dir)
    except StackNotRunning:
        return {}
    pids = {name: record.pid for name, record in state.services.items()}
    if state.nats_pid:
        pids["nats-server"] = state.nats_pid
    return pids


def _line(label: str, summary: Mapping[str, Any]) -> str:
    latency, calls, cpu = summary["latency"], summary["calls"], summary["cpu_ms_per_turn"]
    services = "  ".join(f"{k} {v}" for k, v in cpu.items() if k != "stack")
    return (
        f"{label}: N={summary['plan']['callers']}  calls {calls['calls']}  "
        f"turns/s {summary['turns_per_s']}  first token p50 {latency['p50_ms']} / "
        f"p95 {latency['p95_ms']} / p99 {latency['p99_ms']} ms  errors {calls['errors']}  "
        f"refused {calls['refused']}  heard 'just taken' {calls['heard_taken']}/"
        f"{calls['booking_calls']} booking calls  stack CPU {cpu.get('stack', '-')} ms/turn"
        + (f" ({services})" if services else "")
        + f"  load avg {summary['machine']['load_average_after'][0]}"
    )


async def run_rounds(
    options: LoadOptions,
    target: Target,
    sampler: ProcessSampler,
    out: TextIO,
    *,
    relay: bool = False,
) -> dict[str, Any]:
    """The rounds (or the capacity search) described by ``options``; the JSON-ready report."""
    plan = LoadPlan(
        callers=options.callers,
        duration=options.duration,
        mix=mix_from(options.mix),
        ramp=options.ramp,
        think=options.think,
        reply_timeout=options.reply_timeout,
        progress_every=options.progress_every,
        seed=options.seed,
        relay=relay,
    )

    def holds(summary: Mapping[str, Any]) -> bool:
        return holds_slo(dict(summary), options.p95_ms, options.max_failures)

    async def one(callers: int, label: str) -> dict[str, Any]:
        print(f"--- {label}: {callers} callers ---", file=out, flush=True)
        summary = await LoadRun(replace(plan, callers=callers), target, sampler).run(out)
        summary["holds_slo"] = holds(summary)
        print(_line(label, summary), file=out, flush=True)
        return summary

    if options.find_capacity:
        return await find_capacity(one, options.callers, options.max_callers)
    rounds = [await one(options.callers, f"round {n + 1}") for n in range(options.rounds)]
    report: dict[str, Any] = {"rounds": rounds, "holds_slo": all(r["holds_slo"] for r in rounds)}
    if len(rounds) > 1:
        report["drift_from_first"] = [drift(rounds[0], r) for r in rounds[1:]]
    return report


def drift(first: Mapping[str, Any], later: Mapping[str, Any]) -> dict[str, float | None]:
    """Relative change of CPU per turn and turn p95 from the first round (0.1 = 10% more)."""

    def change(a: float | None, b: float | None) -> float | None:
        return None if not a or b is None else round((b - a) / a, 3)

    return {
        "cpu_ms_per_turn": change(
            first["cpu_ms_per_turn"].get("stack"), later["cpu_ms_per_turn"].get("stack")
        ),
        "p95_ms": change(first["latency"]["p95_ms"], later["latency"]["p95_ms"]),
    }


async def find_capacity(one: Callable[[int, str], Any], start: int, ceiling: int) -> dict[str, Any]:
    """Doubles N from ``start`` while rounds hold the SLO, then bisects between the last that
    held and the first that did not (to within 5% or 25 callers)."""
    rounds: list[dict[str, Any]] = []
    good, bad = 0, 0
    callers = start
    while callers <= ceiling:
        summary = await one(callers, f"search N={callers}")
        rounds.append(summary)
        if not summary["holds_slo"]:
            bad = callers
            break
        good = callers
        callers = min(ceiling, callers * 2) if callers < ceiling else ceiling + 1
    while bad and bad - good > max(25, good // 20):
        callers = (good + bad) // 2
        summary = await one(callers, f"search N={callers}")
        rounds.append(summary)
        if summary["holds_slo"]:
            good = callers
        else:
            bad = callers
    return {
        "capacity": good,
        "first_failing": bad or None,
        "rounds": rounds,
        "holds_slo": good > 0,
    }


async def load(
    options: LoadOptions,
    *,
    state_dir: Path,
    target_for: Callable[[], Target],
    pids: Mapping[str, int] | None = None,
    relay: bool = False,
    json_out: str = "",
    out: TextIO = sys.stdout,
) -> int:
    from frontdesk.cli.stackfile import StackNotRunning

    try:
        target = target_for()
        processes = dict(pids) if pids else stack_processes(state_dir)
        mix_from(options.mix)  # fail fast on a bad file
    except (ScenarioError, StackNotRunning, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    text_out = sys.stderr if json_out == "-" else out
    if not processes:
        print("no stack processes known (no stack.json, no --pid): no CPU figures", file=text_out)
    try:
        report = await run_rounds(options, target, ProcessSampler(processes), text_out, relay=relay)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if json_out == "-":
        print(json.dumps(report, indent=2), file=out)
    elif json_out:
        Path(json_out).write_text(json.dumps(report, indent=2) + "\n")
        print(f"summary written to {json_out}", file=text_out)
    if options.find_capacity:
        print(
            f"capacity: {report['capacity']} concurrent calls held turn p95 < "
            f"{options.p95_ms:.0f} ms with < {100 * options.max_failures:.0f}% errors/refusals"
            + (f" ({report['first_failing']} did not)" if report["first_failing"] else ""),
            file=text_out,
        )
    return 0 if report["holds_slo"] else 1
