"""Turn latency of the LLM dialogue policy, measured where the SLO measures it (the gateway:
the caller's final words in -> the first words out), with a 300 ms-TTFT primary provider that
is healthy, slow (hedging off and on) or down, and with every provider down (the rules policy
takes the call over).

    .venv/bin/python tests/benchmarks/bench_llm_turns.py [--calls 8] [--turns 4]

The whole stack in one process on a real nats-server (tests/e2e/stack.py), llm-sim providers on
real sockets playing the script of deploy/local/llm/sim.yaml. Each turn asks "what are your
hours", which the model answers with text (first sentence streamed). Slow: the primary's TTFT is
1.5 s and the TTFT budget 500 ms, so with hedging the secondary (300 ms) answers instead.
Down: the primary refuses at once (503); llm_router fails over to the secondary, then its
breaker opens (as configured in deploy/local/llm/llm.yaml) and the primary is skipped. A warm-up
call of six turns precedes each run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

from callsim.client import Call
from llmsim import Provider, Simulator
from llmsim import load_config as load_sim_config
from servicekit.settings import PROJECT_ROOT
from servicekit.testing import NatsServer

sys.path.insert(0, str(PROJECT_ROOT))  # tests/e2e/stack.py: the in-process stack
from tests.e2e.stack import Stack

DEMO_NUMBER = "+15550100100"
TTFT_MS = 300


def write_config(sim: Simulator, folder: Path, hedging: bool) -> Path:
    config = {
        "model_list": [
            {
                "model_name": "dialogue",
                "litellm_params": {
                    "model": "openai/gpt-4o-mini",
                    "api_base": sim[name].api_base,
                    "api_key": "sim",
                    "weight": weight,
                },
                "model_info": {"id": name},
            }
            for name, weight in (("primary", 1000), ("secondary", 1))
        ],
        "router_settings": {"timeout": 10},
        "frontdesk": {
            "default_route": "dialogue",
            "ttft_budget_ms": 500,
            "deadline_ms": 10000,
            "hedging": {"enabled": hedging, "max_share": 1.0},
            # As deployed (deploy/local/llm/llm.yaml): a provider that is down is skipped once its
            # breaker opens; a 1.5 s first token is not "slow" enough to open it.
            "breaker": {
                "window_s": 30,
                "min_requests": 5,
                "failure_rate": 0.5,
                "open_s": 30,
                "slow_ttft_ms": 2000,
            },
        },
    }
    path = folder / f"llm-{hedging}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def write_flags(folder: Path) -> Path:
    bootstrap = json.loads((PROJECT_ROOT / "gitops/flags/bootstrap/production.json").read_text())
    for feature in bootstrap["features"]:
        if feature["name"] == "dialogue_policy":
            feature["enabled"] = True
            feature["strategies"][0]["parameters"]["rollout"] = "100"
    path = folder / "flags.json"
    path.write_text(json.dumps(bootstrap))
    return path


async def turns(stack: Stack, label: str, calls: int, per_call: int) -> list[float]:
    latencies: list[float] = []
    for number in range(calls):
        async with (
            stack.channel("gateway") as channel,
            Call.open(
                channel,
                call_id=f"{label}-{number}",
                from_number="+15555550100",
                to_number=DEMO_NUMBER,
            ) as call,
        ):
            await call.reply()
            for _ in range(per_call):
                asked = await call.say("what are your hours")
                reply = await call.reply(asked=asked)
                if reply.latency is not None:
                    latencies.append(reply.latency)
    return latencies


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def line(label: str, samples: list[float]) -> str:
    return (
        f"  {label:36s} p50 {statistics.median(samples) * 1000:6.0f} ms   "
        f"p95 {p95(samples) * 1000:6.0f} ms   ({len(samples)} turns)"
    )


async def main(calls: int, per_call: int) -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price fetch over the network
    import litellm  # noqa: F401  (seconds to import: before the stack's start-up deadline)

    script = load_sim_config(PROJECT_ROOT / "deploy/local/llm/sim.yaml").script
    fast = {"ttft_ms": TTFT_MS, "tokens_per_second": 60}
    sim = Simulator.start(
        [Provider("primary", script=script), Provider("secondary", script=script)]
    )
    nats = NatsServer.start()
    results: dict[str, list[float]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            flags = write_flags(folder)
            for hedging in (False, True):
                settings = {"llm_config": write_config(sim, folder, hedging), "flags_file": flags}
                async with Stack.start(
                    nats.url, state_dir=folder / f"stack-{hedging}", settings=settings
                ) as stack:
                    runs = [("primary slow (1.5 s TTFT)", {"ttft_ms": 1500})]
                    if not hedging:
                        runs = [
                            ("primary healthy", fast),
                            *runs,
                            ("primary down (failover)", {"down": True}),
                        ]
                    for label, primary in runs:
                        sim["primary"].provider.set_faults({"down": False, **fast, **primary})
                        sim["secondary"].provider.set_faults({"down": False, **fast})
                        name = f"{label}, hedging {'on' if hedging else 'off'}"
                        # Warm-up, and the breaker's first failures in the down runs.
                        await turns(stack, f"warm-{hedging}-{len(results)}", 1, 6)
                        results[name] = await turns(stack, f"h{hedging}-{len(results)}", calls,
                                                    per_call)  # fmt: skip
                    if not hedging:
                        for item in sim.running.values():
                            item.provider.set_faults({"down": True})
                        results["every provider down (rules take over)"] = await turns(
                            stack, "alldown", calls, per_call
                        )
    finally:
        sim.stop()
        nats.stop()
    healthy = p95(results["primary healthy, hedging off"])
    print(f"turn latency at the gateway (prompt -> first words), {TTFT_MS} ms-TTFT providers")
    for label, samples in results.items():
        print(line(label, samples) + f"   {p95(samples) / healthy:4.2f}x healthy p95")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--turns", type=int, default=4)
    arguments = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(arguments.calls, arguments.turns))
