"""Flags against a real Unleash server (started here on a fresh PostgreSQL database):

- the cost of one evaluation (``is_enabled``, ``variant``) in a service, p50/p99;
- how long a kill takes to reach a service: admin API call -> the service's answer changes,
  over ``--kills`` switches with the refresh interval ``--refresh``;
- the share of ``--calls`` call ids a 5% sticky rollout takes.

    .venv/bin/python tests/benchmarks/bench_flags.py [--refresh 1] [--kills 10] [--calls 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from controlplane.flag_sync import UnleashAdmin, kill, sync
from controlplane.flag_testing import rollout_flag, switch_flag, write_flags_file
from servicekit.flags import Flags
from servicekit.localunleash import UnleashServer
from servicekit.testing import PostgresDatabase


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(server: UnleashServer, folder: Path, args: argparse.Namespace) -> None:
    bootstrap = folder / "bootstrap.json"
    bootstrap.write_text('{"version": 2, "features": []}')
    flags = Flags(
        "bench",
        url=server.url,
        token=server.client_token,
        bootstrap_file=bootstrap,
        refresh_interval=args.refresh,
    )
    await flags.start()
    spec = write_flags_file(
        folder,
        {
            "switch": switch_flag(False),
            "canary": rollout_flag(5, variants=("candidate",)),
        },
    )
    with UnleashAdmin(server.url, server.admin_token) as admin:
        sync(admin, spec)
        while "canary" not in flags.switches():
            await asyncio.sleep(0.05)

        calls = [str(uuid.uuid4()) for _ in range(args.calls)]
        costs, variant_costs = [], []
        for call in calls[:20_000]:
            start = time.perf_counter()
            flags.is_enabled("switch", call_id=call, clinic="demo")
            costs.append(time.perf_counter() - start)
            start = time.perf_counter()
            flags.variant("canary", call_id=call, clinic="demo")
            variant_costs.append(time.perf_counter() - start)
        print(
            f"evaluation: is_enabled p50 {percentile(costs, 0.5) * 1e6:.1f} us /"
            f" p99 {percentile(costs, 0.99) * 1e6:.1f} us; variant p50"
            f" {percentile(variant_costs, 0.5) * 1e6:.1f} us /"
            f" p99 {percentile(variant_costs, 0.99) * 1e6:.1f} us"
        )
        share = sum(flags.is_enabled("canary", call_id=c, clinic="demo") for c in calls)
        print(f"5% rollout: {share / len(calls) * 100:.2f}% of {len(calls):,} call ids")

        seen = []
        state = False
        for _ in range(args.kills):
            state = not state
            start = time.monotonic()
            if state:
                kill(admin, spec, "switch")  # a kill switch: on
            else:
                admin.request(
                    "POST",
                    f"/projects/default/features/switch/environments/{spec.environment}/off",
                )
            while flags.is_enabled("switch", call_id="x", clinic="demo") != state:
                await asyncio.sleep(0.01)
            seen.append(time.monotonic() - start)
        print(
            f"kill -> service answer ({args.kills} switches, refresh {args.refresh} s):"
            f" p50 {statistics.median(seen):.2f} s / max {max(seen):.2f} s"
        )
    await flags.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refresh", type=float, default=1.0)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    database = PostgresDatabase.create()
    started = time.monotonic()
    server = UnleashServer.start(database.url)
    print(f"unleash-server healthy after {time.monotonic() - started:.1f} s (fresh database)")
    try:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(measure(server, Path(folder), args))
    finally:
        server.stop()
        database.drop()


if __name__ == "__main__":
    main()
