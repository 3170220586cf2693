"""Capacity of one machine: the most concurrent calls that hold turn p95 < 700 ms with < 1% of
calls failed or refused — on a fresh local stack, with realistic callers (booking and question
calls, 6-10 s of think time between turns, the load generator in this process).

    .venv/bin/python tests/benchmarks/bench_capacity.py                       # find capacity
    .venv/bin/python tests/benchmarks/bench_capacity.py --callers 500 --rounds 3 --duration 600
                                                                     # back-to-back rounds
    .venv/bin/python tests/benchmarks/bench_capacity.py --callers 800 --soak 10
                                                                     # 10 one-minute rounds:
                                                                     # RSS, CPU/turn, p95 drift
    ... --llm-config deploy/local/llm/llm.yaml   # the stack with a model configured (start
                                                 # `frontdesk llm-sim` first). Calls take the LLM
                                                 # policy only where the dialogue_policy flag says
                                                 # so, and the mix must be lines the simulator's
                                                 # script answers: not measured (docs/capacity.md)
    ... --json capacity.json                     # everything measured, per round

The stack is what ``frontdesk up`` runs (embedded nats-server, six service processes, SQLite),
with the gateway's fixed cap raised out of the way (the load guard stays on: refusing calls
when turns get slow is part of holding the SLO). Each round prints calls, turns/s, first-token
p50/p95/p99, errors, refusals, "that time was just taken" among booking calls, and stack CPU
per turn for each service (from /proc), with the machine's load average: run it on an otherwise
idle machine for figures that mean anything.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from callsim.load_command import DEFAULT_MIX, LoadOptions, run_rounds
from callsim.procstat import ProcessSampler
from callsim.runner import Target
from frontdesk.cli.stack import Stack, StackOptions
from frontdesk.cli.stackfile import stack_client


def rss_drift(rounds: list[dict[str, Any]]) -> dict[str, float]:
    """Each process's resident memory at the last round relative to the first (0.05 = +5%)."""
    first, last = rounds[0]["rss_mb"], rounds[-1]["rss_mb"]
    return {name: round(last[name] / first[name] - 1, 3) for name in first if name in last}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=100, help="start of the search, or N")
    parser.add_argument("--max-callers", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per round")
    parser.add_argument("--ramp", type=float, default=30.0)
    parser.add_argument("--think", type=float, nargs=2, default=(6.0, 10.0))
    parser.add_argument("--rounds", type=int, default=0, help="back-to-back rounds at --callers")
    parser.add_argument("--soak", type=int, default=0, metavar="MINUTES")
    parser.add_argument("--ws", action="store_true", help="ConversationRelay instead of gRPC")
    parser.add_argument("--llm-config", type=Path, help="FRONTDESK_LLM_CONFIG for the stack")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    environ = {
        **os.environ,
        "FRONTDESK_MAX_CONCURRENT_CALLS": "100000",
        "FRONTDESK_LOG_LEVEL": "WARNING",
    }
    environ.pop("FRONTDESK_NATS_URL", None)
    if args.llm_config:
        environ["FRONTDESK_LLM_CONFIG"] = str(args.llm_config.resolve())
    if args.soak:
        options = LoadOptions(
            args.callers, 60.0, args.ramp, tuple(args.think), DEFAULT_MIX, rounds=args.soak
        )
    elif args.rounds:
        options = LoadOptions(
            args.callers,
            args.duration,
            args.ramp,
            tuple(args.think),
            DEFAULT_MIX,
            rounds=args.rounds,
        )
    else:
        options = LoadOptions(
            args.callers,
            args.duration,
            args.ramp,
            tuple(args.think),
            DEFAULT_MIX,
            find_capacity=True,
            max_callers=args.max_callers,
        )
    with tempfile.TemporaryDirectory(prefix="frontdesk-capacity-") as state:
        stack = Stack(
            StackOptions(
                state_dir=Path(state), log_format="json", environ=environ, start_timeout=180
            )
        )
        try:
            running = stack.start()
            pids = {name: record.pid for name, record in running.services.items()}
            if running.nats_pid:
                pids["nats-server"] = running.nats_pid
            target = Target(
                gateway=running.services["gateway"].grpc_address,
                handoff=running.services["handoff"].grpc_address,
                telephony=stack_client(running, "telephony"),
                agent_desk=stack_client(running, "agent_desk"),
            )
            if args.ws:
                target = dataclasses.replace(
                    target,
                    relay=running.relay_url,
                    relay_auth_token=Path(running.relay_auth_token_file).read_text().strip(),
                )
            print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
            report = asyncio.run(
                run_rounds(options, target, ProcessSampler(pids), sys.stdout, relay=args.ws)
            )
        finally:
            stack.stop()
    if options.find_capacity:
        print(
            f"capacity: {report['capacity']} concurrent calls held turn p95 < 700 ms with < 1% "
            f"errors + refusals"
            + (f" ({report['first_failing']} did not)" if report["first_failing"] else "")
        )
    elif len(report["rounds"]) > 1:
        print("drift from the first round (CPU/turn, p95):", report["drift_from_first"])
        report["rss_drift"] = rss_drift(report["rounds"])
        print("RSS, last round vs first:", report["rss_drift"])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if report["holds_slo"] else 1


if __name__ == "__main__":
    sys.exit(main())
