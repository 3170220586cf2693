"""N simulated callers at once against the local stack (rules policy): turn latency and the
platform's CPU per turn.

    .venv/bin/python tests/benchmarks/bench_callers.py [--callers 10 50 200] [--calls-per-caller 1]
        [--transport grpc|ws|both]

The stack runs as ``frontdesk up`` runs it (embedded nats-server, six service processes, SQLite);
the callers run in this process over gRPC, like a telephony gateway would, or over the
ConversationRelay WebSocket, as Twilio would (``--transport ws``; ``both`` runs each N over both,
one after the other, on the same stack). CPU per turn is the
user+system time of the nats-server and service processes (read from /proc) divided by the turns
served, so the load generator's own work is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import tempfile
import time
from pathlib import Path

from callsim.runner import Runner, Target
from callsim.scenario import parse
from frontdesk.cli.stack import Stack, StackOptions
from frontdesk.cli.stackfile import stack_client

# A full conversation that touches every service but books nothing (so every caller can use the
# same demo patient without contending for slots): questions, identity check, slot search,
# list of appointments, goodbye.
CONVERSATION = {
    "name": "load",
    "steps": [
        {"say": "what are your hours"},
        {"say": "do you take medicare"},
        {"say": "I'd like to check my appointments"},
        {"say": "Maria Lopez"},
        {"say": "march third nineteen eighty"},
        {"say": "can I also book a checkup"},
        {"say": "next tuesday afternoon"},
        {"say": "none of those work, never mind"},
        {"say": "no that's all"},
    ],
    "expect": {"outcome": "contained"},
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


def percentile(samples: list[float], q: int) -> float:
    return (
        statistics.quantiles(samples, n=100, method="inclusive")[q - 1]
        if len(samples) > 1
        else samples[0]
    )


async def load(
    target: Target, pids: list[int], callers: int, calls_per_caller: int, label: str = ""
) -> str:
    scenarios = parse([CONVERSATION])
    runner = Runner(target, concurrency=callers)
    cpu_before, started = cpu_seconds(pids), time.monotonic()
    results = await runner.run_all(scenarios, repeat=callers * calls_per_caller)
    elapsed, cpu = time.monotonic() - started, cpu_seconds(pids) - cpu_before
    runner.close()
    latencies = [latency * 1000 for result in results for latency in result.latencies]
    turns = sum(len(result.turns) for result in results)
    failed = sum(not result.passed for result in results)
    return (
        f"{label:5s}N={callers:4d}  calls={len(results):4d}  failed={failed:3d}  turns={turns:5d}  "
        f"turn latency p50 {percentile(latencies, 50):6.1f} ms  "
        f"p95 {percentile(latencies, 95):6.1f} ms  p99 {percentile(latencies, 99):6.1f} ms  "
        f"platform CPU/turn {1000 * cpu / max(turns, 1):5.2f} ms  ({turns / elapsed:5.1f} turns/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--calls-per-caller", type=int, default=1)
    parser.add_argument("--transport", choices=("grpc", "ws", "both"), default="grpc")
    args = parser.parse_args()
    environ = {
        **os.environ,
        "FRONTDESK_MAX_CONCURRENT_CALLS": "1000",
        "FRONTDESK_LOG_LEVEL": "WARNING",
    }
    environ.pop("FRONTDESK_NATS_URL", None)
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as state:
        stack = Stack(StackOptions(state_dir=Path(state), log_format="json", environ=environ))
        try:
            running = stack.start()
            pids = [record.pid for record in running.services.values()]
            if running.nats_pid:
                pids.append(running.nats_pid)
            grpc_target = Target(
                gateway=running.services["gateway"].grpc_address,
                handoff=running.services["handoff"].grpc_address,
                telephony=stack_client(running, "telephony"),
                agent_desk=stack_client(running, "agent_desk"),
            )
            ws_target = dataclasses.replace(
                grpc_target,
                relay=running.relay_url,
                relay_auth_token=Path(running.relay_auth_token_file).read_text().strip(),
            )
            targets = {"grpc": [("grpc", grpc_target)], "ws": [("ws", ws_target)]}.get(
                args.transport, [("grpc", grpc_target), ("ws", ws_target)]
            )
            print(f"{os.cpu_count()} cores; stack: nats-server + {len(running.services)} services")
            # Warm-up (not measured): first calls load parsers' data and fill connection pools.
            for _, target in targets:
                asyncio.run(load(target, pids, 4, 1))
            for callers in args.callers:
                for label, target in targets:
                    line = asyncio.run(load(target, pids, callers, args.calls_per_caller, label))
                    print(line, flush=True)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
