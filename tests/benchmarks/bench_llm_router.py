"""What llm_router adds to a model call: ModelRouter vs raw litellm Router vs raw httpx,
all streaming the same scripted reply from one llm-sim provider, plus all-down rejection time.

    .venv/bin/python tests/benchmarks/bench_llm_router.py [--n 300]

One process, one llm-sim provider on a real socket with no scripted delay, so the figures are
each client's own cost per streamed completion (request, SSE decoding, bookkeeping) on this
machine, in wall clock and in process CPU (steadier on a loaded machine). ModelRouter runs as
deployed (metrics, litellm's prices), once more with the call's cost ledger in NATS KV.
Interleaved rounds keep the machine's noise from favouring one client.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import Awaitable, Callable

import httpx
import nats

from frontdesk.v1.common_pb2 import LlmSpend
from llm_router.backend import LitellmBackend, LitellmPrices
from llm_router.config import parse_config
from llm_router.routing import ModelRouter
from llm_router.types import Message, Request, Usage
from llmsim import Provider, Rule, Script, Simulator
from servicekit.costs import CallCosts
from servicekit.errors import Unavailable
from servicekit.jetstream import ensure_costs_bucket
from servicekit.metrics import Metrics
from servicekit.testing import NatsServer

REPLY = "We are open nine to five, Monday to Friday, and closed on public holidays."
MESSAGES = [{"role": "user", "content": "what are your hours"}]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:7.3f} ms   p99 {p99 * 1000:7.3f} ms"


async def main(n: int) -> None:
    script = Script(rules=[Rule(pattern="hours", reply=REPLY)])
    providers = [Provider("alpha", script=script), Provider("beta", script=script)]
    with Simulator.start(providers) as sim:
        config = parse_config(
            f"""
model_list:
  - model_name: dialogue
    litellm_params: {{model: openai/gpt-4o-mini, api_base: "{sim["alpha"].api_base}", api_key: k}}
    model_info: {{id: alpha}}
  - model_name: down
    litellm_params: {{model: openai/gpt-4o-mini, api_base: "{sim["beta"].api_base}", api_key: k}}
    model_info: {{id: beta}}
frontdesk: {{breaker: {{min_requests: 1}}}}
""",
            "bench",
        )
        backend = LitellmBackend(config)
        # As deployed: metrics on (route and variant labels), litellm's prices.
        router = ModelRouter(config, backend, pricer=LitellmPrices(), metrics=Metrics.create())
        # ... and each completion added to the call's ledger in NATS KV before its last chunk.
        nats_server = NatsServer.start()
        connection = await nats.connect(nats_server.url)
        js = connection.jetstream()
        await ensure_costs_bucket(js)
        costs = CallCosts(js)

        async def record_spend(call_id: str, usage: Usage) -> float:
            spend = LlmSpend(
                cost_usd=usage.cost_usd,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                requests=1,
            )
            return (await costs.add(call_id, spend)).cost_usd

        ledgered = ModelRouter(
            config,
            backend,
            pricer=LitellmPrices(),
            metrics=Metrics.create(),
            record_spend=record_spend,
        )
        raw_router = backend._router
        http = httpx.AsyncClient(base_url=sim["alpha"].api_base)
        request = Request("bench", (Message("user", MESSAGES[0]["content"]),))

        async def via_router() -> str:
            return (await router.complete(request)).message.content

        async def via_router_and_ledger() -> str:
            return (await ledgered.complete(request)).message.content

        async def via_litellm() -> str:
            stream = await raw_router.acompletion(
                model="alpha",
                messages=MESSAGES,
                stream=True,
                stream_options={"include_usage": True},
            )
            return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

        async def via_httpx() -> str:
            text = []
            body = {"model": "m", "messages": MESSAGES, "stream": True}
            async with http.stream("POST", "/chat/completions", json=body) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: {"):
                        for choice in json.loads(line[6:])["choices"]:
                            text.append(choice["delta"].get("content") or "")
            return "".join(text)

        clients: dict[str, Callable[[], Awaitable[str]]] = {
            "raw httpx (SSE)": via_httpx,
            "raw litellm Router": via_litellm,
            "llm_router ModelRouter": via_router,
            "ModelRouter + KV ledger": via_router_and_ledger,
        }
        for client in clients.values():  # warm up connections and lazy imports
            for _ in range(10):
                assert await client() == REPLY
        samples: dict[str, list[float]] = {name: [] for name in clients}
        cpu: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(n):
            for name, client in clients.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                await client()
                samples[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - started_cpu)
        print(f"streamed completion, {n} each, one llm-sim provider, no scripted delay")
        print("  wall clock (the machine's load shows here) and process CPU per completion")
        print("  (the simulator's share is the same for every client; the differences are theirs)")
        for name, values in samples.items():
            print(f"  {name:24s} {percentiles(values)}   CPU {percentiles(cpu[name])}")
        for figures, label in ((samples, "wall"), (cpu, "CPU")):
            base = statistics.median(figures["raw litellm Router"])
            for name in ("llm_router ModelRouter", "ModelRouter + KV ledger"):
                overhead = statistics.median(figures[name]) - base
                print(f"  {name} over litellm Router, p50 {label}: {overhead * 1000:+.3f} ms")

        sim["beta"].provider.set_faults({"down": True})
        down = Request("bench", request.messages, route="down")
        with contextlib.suppress(Unavailable):
            await router.complete(down)  # opens the breaker
        rejected: list[float] = []
        for _ in range(n):
            started = time.perf_counter()
            try:
                await router.complete(down)
            except Unavailable:
                rejected.append(time.perf_counter() - started)
        print(f"  all deployments down -> UNAVAILABLE      {percentiles(rejected)}")
        await http.aclose()
        await connection.close()
        nats_server.stop()
        await turn_latency(sim, max(10, n // 10))


async def turn_latency(sim: Simulator, n: int) -> None:
    """Time to the whole reply with a 300 ms-TTFT primary: healthy, slow (hedging off and
    on), and down; the secondary answers in 300 ms too."""
    for name in ("alpha", "beta"):
        sim[name].provider.reset()
        sim[name].provider.set_faults({"ttft_ms": 300, "tokens_per_second": 200})

    def router_for(hedging: bool) -> ModelRouter:
        config = parse_config(
            f"""
model_list:
  - model_name: dialogue
    litellm_params: {{model: openai/gpt-4o-mini, api_base: "{sim["alpha"].api_base}",
                      api_key: k, weight: 1000000}}
    model_info: {{id: alpha}}
  - model_name: dialogue
    litellm_params: {{model: openai/gpt-4o-mini, api_base: "{sim["beta"].api_base}",
                      api_key: k, weight: 1}}
    model_info: {{id: beta}}
frontdesk:
  ttft_budget_ms: 500
  hedging: {{enabled: {str(hedging).lower()}, max_share: 1.0}}
  breaker: {{slow_ttft_ms: 100000}}
""",
            "bench",
        )
        return ModelRouter(config, LitellmBackend(config), pricer=LitellmPrices())

    request = Request("bench", (Message("user", MESSAGES[0]["content"]),))

    async def p95(router: ModelRouter) -> str:
        times = []
        for _ in range(n):
            started = time.perf_counter()
            await router.complete(request)
            times.append(time.perf_counter() - started)
        ordered = sorted(times)
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        return f"p50 {statistics.median(ordered) * 1000:6.0f} ms   p95 {p95 * 1000:6.0f} ms"

    print(f"turn latency (whole reply), {n} turns each, 300 ms TTFT, TTFT budget 500 ms")
    print(f"  primary healthy              {await p95(router_for(False))}")
    sim["alpha"].provider.set_faults({"ttft_ms": 1500})
    print(f"  primary slow, hedging off    {await p95(router_for(False))}")
    print(f"  primary slow, hedging on     {await p95(router_for(True))}")
    sim["alpha"].provider.set_faults({"ttft_ms": 300, "down": True})
    print(f"  primary down                 {await p95(router_for(False))}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300)
    asyncio.run(main(parser.parse_args().n))
