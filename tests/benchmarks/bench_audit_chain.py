"""Hash-chained audit publishing on a real nats-server: latency per record and conflicts when
several replicas append to one subject at once; and `audit verify` throughput.

    .venv/bin/python tests/benchmarks/bench_audit_chain.py [--records 400] [--replicas 1 4]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import nats

from frontdesk.v1 import events_pb2
from servicekit.audit import AuditChainPublisher, verify_stream
from servicekit.jetstream import ensure_streams
from servicekit.localnats import NatsServer


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _round(url: str, replicas: int, records: int) -> None:
    connections = [await nats.connect(url) for _ in range(replicas)]
    await ensure_streams(connections[0].jetstream())
    await connections[0].jetstream().purge_stream("audit")
    publishers = [AuditChainPublisher(c.jetstream()) for c in connections]
    latencies: list[float] = []
    per_replica = records // replicas

    async def replica(n: int, publisher: AuditChainPublisher) -> None:
        for i in range(per_replica):
            record = events_pb2.AuditRecord(
                actor="scheduler_adapter", action="book", call_id=f"r{n}-{i}", result="ok"
            )
            started = time.perf_counter()
            await publisher.publish("frontdesk.audit.book", record, {})
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(replica(n, p) for n, p in enumerate(publishers)))
    elapsed = time.perf_counter() - started
    conflicts = sum(p.conflicts for p in publishers)
    verify_started = time.perf_counter()
    report = await verify_stream(connections[0].jetstream())
    verify_elapsed = time.perf_counter() - verify_started
    for connection in connections:
        await connection.close()
    ms = [x * 1000 for x in latencies]
    print(
        f"replicas={replicas} records={len(latencies)}: {len(latencies) / elapsed:.0f} records/s, "
        f"publish p50 {statistics.median(ms):.2f} ms / p99 {_percentile(ms, 0.99):.2f} ms, "
        f"conflicts {conflicts} ({conflicts / len(latencies):.2f} per record); "
        f"verify {report.records} records in {verify_elapsed * 1000:.0f} ms, "
        f"chain {'intact' if report.intact else 'BROKEN'}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    server = NatsServer.start()
    try:
        for replicas in args.replicas:
            await _round(server.url, replicas, args.records)
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
