"""Two replicas of every service against one NATS: calls placed on both gateways complete, and
the work spreads — each gateway, orchestrator and scheduler replica serves a share of the turns
and requests (NATS queue groups balance per request; sessions live in the KV bucket, so any
orchestrator replica can serve any turn).

Every service runs in this test's process, so this shows the work spreading, not throughput
growing: that needs cores for the replicas (docs/capacity.md)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import httpx
import pytest

from callsim.load import LoadPlan, LoadRun, mix_from
from frontdesk.cli.stack import SERVICES
from servicekit.testing import NatsServer

from .stack import Running, Stack, start_service

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

SCENARIOS = Path(__file__).parent / "scenarios"


def counter(metrics_url: str, name: str, **labels: str) -> float:
    """The sum of a counter's samples whose labels include ``labels``."""
    total = 0.0
    for line in httpx.get(metrics_url, timeout=10).text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def second_replica(stack: Stack, first: Running) -> Running:
    settings: dict[str, Any] = first.settings.model_dump()
    for key in ("nats_url", "grpc_port", "metrics_port", "version"):
        settings.pop(key, None)
    running = await start_service(
        first.name, stack.nats_url, version=first.settings.version, **settings
    )
    stack.extra.append(running)
    return running


async def test_two_replicas_of_every_service_share_the_calls(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with Stack.start(nats_server.url, state_dir=tmp_path) as stack:
        seconds = {name: await second_replica(stack, stack.services[name]) for name in SERVICES}
        replicas = {name: [stack.services[name], seconds[name]] for name in SERVICES}
        mix = mix_from([str(SCENARIOS / "questions.yaml"), str(SCENARIOS / "booking.yaml")])
        summaries = []
        for gateway in replicas["gateway"]:
            target = dataclasses.replace(stack.callsim_target(), gateway=gateway.target)
            plan = LoadPlan(callers=6, duration=20, ramp=2, think=(0.1, 0.4), mix=mix)
            summaries.append(await LoadRun(plan, target).run())
        for summary in summaries:
            assert summary["turns"] > 0
            assert summary["calls"]["errors"] == 0, summary["calls"]["error_kinds"]

        def share(name: str, metric: str, **labels: str) -> list[float]:
            return [counter(r.metrics_url, metric, **labels) for r in replicas[name]]

        gateway_turns = share("gateway", "frontdesk_turns_total", outcome="ok")
        orchestrator_turns = share(
            "orchestrator", "faststream_received_messages_total", app_name="orchestrator"
        )
        scheduler_requests = share(
            "scheduler_adapter",
            "faststream_received_messages_total",
            app_name="scheduler_adapter",
        )
        print("gateway turns", gateway_turns, "orchestrator messages", orchestrator_turns)
        print("scheduler requests", scheduler_requests)
        for name, counts in (
            ("gateway", gateway_turns),
            ("orchestrator", orchestrator_turns),
            ("scheduler_adapter", scheduler_requests),
        ):
            assert all(count > 0 for count in counts), (name, counts)
            # Neither replica does (nearly) everything.
            assert min(counts) / sum(counts) > 0.15, (name, counts)
