"""Round-trip latency of a small message: servicekit over NATS vs raw nats-py vs gRPC.

    .venv/bin/python tests/benchmarks/bench_bus.py [--n 3000]

Everything runs in one process against a real nats-server started for the run, so the figures
are the transports' own cost (encode, server hop, decode, handler dispatch) on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from nats.aio.client import Client as NATS

from frontdesk.v1 import orchestrator_pb2, orchestrator_pb2_grpc
from servicekit import BusClient, Runtime, ServiceDefinition, ServiceSettings, Serving, serve
from servicekit.testing import ClientKind, DevCredentials, NatsServer

DEFINITION = ServiceDefinition(
    name="orchestrator",
    descriptor=orchestrator_pb2.DESCRIPTOR.services_by_name["Orchestrator"],
    add_to_server=orchestrator_pb2_grpc.add_OrchestratorServicer_to_server,
)
REQUEST = orchestrator_pb2.ClaimRequest(call_id="CA0123456789abcdef", clinic_id="demo")


class Echo(orchestrator_pb2_grpc.OrchestratorServicer):
    async def Claim(self, request: Any, context: Any) -> orchestrator_pb2.ClaimResponse:
        return orchestrator_pb2.ClaimResponse(version="bench", clinic_id=request.clinic_id)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return f"p50 {cut[49]:7.0f} µs   p95 {cut[94]:7.0f} µs   p99 {cut[98]:7.0f} µs"


async def measure(call: Callable[[], Awaitable[object]], n: int) -> list[float]:
    for _ in range(min(200, n)):  # warm-up
        await call()
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        await call()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


async def main(n: int) -> None:
    server = NatsServer.start()
    secrets = Path(tempfile.mkdtemp(prefix="frontdesk-bench-secrets-"))
    try:
        # As deployed: TLS and a client token on gRPC (the figure includes their cost).
        credentials = DevCredentials.ensure(secrets)
        settings = ServiceSettings(
            nats_url=server.url,
            grpc_port=-1,
            metrics_port=-2,
            version="bench",
            **credentials.settings(),
        )
        runtime = await Runtime.start("orchestrator", settings, with_flags=False)
        stop = asyncio.Event()
        ready: asyncio.Future[Serving] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(
            serve(runtime, DEFINITION, Echo(), stop=stop, on_ready=ready.set_result)
        )
        serving = await ready

        client_runtime = await Runtime.start("bench-client", settings, with_flags=False)
        bus = BusClient(client_runtime.broker, timeout=2)

        raw = NATS()
        await raw.connect(server.url)

        async def raw_handler(msg: Any) -> None:
            request = orchestrator_pb2.ClaimRequest.FromString(msg.data)
            reply = orchestrator_pb2.ClaimResponse(version="bench", clinic_id=request.clinic_id)
            await raw.publish(msg.reply, reply.SerializeToString())

        await raw.subscribe("bench.raw", queue="bench", cb=raw_handler)
        payload = REQUEST.SerializeToString()

        async def over_raw() -> object:
            msg = await raw.request("bench.raw", payload, timeout=2)
            return orchestrator_pb2.ClaimResponse.FromString(msg.data)

        async def over_servicekit() -> object:
            return await bus.call(
                "frontdesk.orchestrator.Claim", REQUEST, orchestrator_pb2.ClaimResponse
            )

        channel = credentials.client(ClientKind.SERVICE).channel(f"127.0.0.1:{serving.grpc_port}")
        stub = orchestrator_pb2_grpc.OrchestratorStub(channel)

        async def over_grpc() -> object:
            return await stub.Claim(REQUEST)

        print(f"round trip of a {len(payload)}-byte request, n={n}, one process, real nats-server")
        results = {}
        for name, call in (
            ("raw nats-py request/reply", over_raw),
            ("servicekit over NATS", over_servicekit),
            ("servicekit over gRPC", over_grpc),
        ):
            results[name] = await measure(call, n)
            print(f"  {name:28s} {percentiles(results[name])}")
        base = statistics.median(results["raw nats-py request/reply"])
        kit = statistics.median(results["servicekit over NATS"])
        print(f"  servicekit/raw median ratio: {kit / base:.2f}x (+{kit - base:.0f} µs)")

        await channel.close()
        await raw.close()
        await client_runtime.close()
        stop.set()
        await task
    finally:
        server.stop()
        shutil.rmtree(secrets, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    asyncio.run(main(parser.parse_args().n))
