"""The llm_router service as deployed: FRONTDESK_LLM_CONFIG, served over a real nats-server,
asking llm-sim providers over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from frontdesk.v1 import common_pb2, events_pb2, llm_router_pb2
from llm_router.app import SERVICE, LlmRouterSettings
from llm_router.config import LlmConfigError
from llm_router.tests.conftest import config_text
from llmsim import Simulator
from servicekit import Runtime, ServiceSettings, Serving
from servicekit.app import run
from servicekit.errors import Unavailable, Unimplemented
from servicekit.testing import NatsServer

pytestmark = pytest.mark.nats


@pytest.fixture
def nats(nats_server: NatsServer) -> NatsServer:
    return nats_server


def settings(nats: NatsServer, config: Path | None) -> LlmRouterSettings:
    return LlmRouterSettings(
        nats_url=nats.url,
        grpc_port=-1,
        metrics_port=-2,
        version="v-test",
        insecure=True,  # this test calls over NATS only
        llm_config=config,
    )


async def serving(nats: NatsServer, config: Path | None) -> AsyncIterator[Runtime]:
    stop = asyncio.Event()
    ready: asyncio.Future[Serving] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run(SERVICE, settings(nats, config), stop=stop, on_ready=ready.set_result)
    )
    client = await Runtime.start(
        "test-client",
        ServiceSettings(nats_url=nats.url, grpc_port=-1, metrics_port=-2, insecure=True),
        with_flags=False,
    )
    try:
        await asyncio.wait_for(ready, 30)
        yield client
    finally:
        await client.close()
        stop.set()
        await asyncio.wait_for(task, 20)


def ask(text: str) -> llm_router_pb2.CompleteRequest:
    return llm_router_pb2.CompleteRequest(
        context=common_pb2.CallContext(call_id="call-7"),
        messages=[llm_router_pb2.ChatMessage(role="user", content=text)],
    )


async def test_complete_stream_and_routes_over_nats(
    nats: NatsServer, sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIM_KEY", "k")
    config = tmp_path / "llm.yaml"
    config.write_text(config_text(sim, "  breaker: {min_requests: 1, failure_rate: 0.5}"))
    async for client in serving(nats, config):
        bus = client.bus
        done = await bus.call(
            "frontdesk.llm_router.Complete", ask("hours?"), llm_router_pb2.CompleteResponse
        )
        assert done.message.content == "We are open nine to five, Monday to Friday."
        assert (done.provider, done.finish_reason) == ("alpha", "stop")
        assert done.usage.prompt_tokens > 0 and done.usage.cost_usd > 0

        sim["alpha"].provider.set_faults({"down": True})
        chunks = [
            chunk
            async for chunk in bus.stream(
                "frontdesk.llm_router.StreamComplete", ask("hours?"), llm_router_pb2.CompleteChunk
            )
        ]
        assert "".join(c.delta for c in chunks).startswith("We are open")
        assert chunks[-1].provider == "beta" and chunks[-1].usage.completion_tokens == 9

        routes = await bus.call(
            "frontdesk.llm_router.ListRoutes",
            llm_router_pb2.ListRoutesRequest(),
            llm_router_pb2.ListRoutesResponse,
        )
        [route] = routes.routes
        assert route.name == "dialogue"
        assert [(d.provider, d.breaker_state, d.healthy) for d in route.deployments] == [
            ("alpha", "open", False),
            ("beta", "closed", True),
        ]

        sim["beta"].provider.set_faults({"down": True})
        with pytest.raises(Unavailable, match="every deployment of route 'dialogue' is down"):
            await bus.call(
                "frontdesk.llm_router.Complete", ask("hours?"), llm_router_pb2.CompleteResponse
            )
        failovers = await client.js.pull_subscribe(
            "frontdesk.events.provider_failover", stream="events"
        )
        told: list[events_pb2.ProviderFailover] = []
        for _ in range(50):  # published beside the request, so poll briefly
            with contextlib.suppress(TimeoutError):
                batch = await failovers.fetch(10, timeout=0.2)
                told += [events_pb2.ProviderFailover.FromString(m.data) for m in batch]
            if len(told) >= 2:
                break
        assert [(e.call_id, e.from_provider, e.to_provider, e.reason) for e in told] == [
            ("call-7", "alpha", "beta", "error"),
            ("call-7", "alpha", "", "circuit_open"),
        ]


async def test_without_a_config_every_method_says_what_to_set(nats: NatsServer) -> None:
    async for client in serving(nats, None):
        bus = client.bus
        with pytest.raises(Unimplemented, match="FRONTDESK_LLM_CONFIG"):
            await bus.call(
                "frontdesk.llm_router.ListRoutes",
                llm_router_pb2.ListRoutesRequest(),
                llm_router_pb2.ListRoutesResponse,
            )


async def test_a_bad_config_stops_the_service_at_start(nats: NatsServer, tmp_path: Path) -> None:
    config = tmp_path / "llm.yaml"
    config.write_text("model_list:\n  - model_name: dialogue\n    litellm_params: {api_base: x}\n")
    with pytest.raises(LlmConfigError, match=r"llm\.yaml: model_list\.0\.litellm_params\.model"):
        await asyncio.wait_for(run(SERVICE, settings(nats, config)), 20)
