"""The llm_router service as deployed: FRONTDESK_LLM_CONFIG, served over a real nats-server,
asking llm-sim providers over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import litellm
import pytest

from frontdesk.cli.__main__ import main as cli_main
from frontdesk.v1 import common_pb2, events_pb2, llm_router_pb2
from llm_router.app import SERVICE, LlmRouterSettings
from llm_router.config import LlmConfigError
from llm_router.tests.conftest import config_text
from llmsim import Simulator, count_completion_tokens, count_prompt_tokens
from llmsim import answer as scripted_answer
from servicekit import Runtime, ServiceSettings, Serving
from servicekit.app import run
from servicekit.costs import CallCosts
from servicekit.errors import ServiceError, Unavailable, Unimplemented
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


async def serving(
    nats: NatsServer, config: Path | None, up: list[Serving] | None = None
) -> AsyncIterator[Runtime]:
    """The service running; ``up`` receives what it serves on (its gRPC port)."""
    stop = asyncio.Event()
    ready: asyncio.Future[Serving] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run(SERVICE, settings(nats, config), stop=stop, on_ready=ready.set_result)
    )
    client = await Runtime.start(
        "test-client",
        # Generous: litellm's first request in a process is slow on a loaded machine.
        ServiceSettings(
            nats_url=nats.url, grpc_port=-1, metrics_port=-2, insecure=True, request_timeout=30
        ),
        with_flags=False,
    )
    try:
        serving = await asyncio.wait_for(ready, 30)
        if up is not None:
            up.append(serving)
        await answering(client)
        yield client
    finally:
        await client.close()
        stop.set()
        await asyncio.wait_for(task, 20)


async def answering(client: Runtime, within_s: float = 10.0) -> None:
    """Until the service answers over NATS at all (any answer but "no responders"): on a loaded
    machine the first request after "ready" has found no responders (cause not found; the
    service flushes its subscriptions before it says ready)."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        try:
            await client.bus.call(
                "frontdesk.llm_router.ListRoutes",
                llm_router_pb2.ListRoutesRequest(),
                llm_router_pb2.ListRoutesResponse,
                timeout=5,
            )
            return
        except Unavailable:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)
        except ServiceError:
            return  # it answered (e.g. FAILED_PRECONDITION without a config)


def printed_after(out: str, header: str) -> list[list[str]]:
    """The command's table, from its header on (litellm may log to stdout before it)."""
    lines = [line.split() for line in out.splitlines()]
    start = next(i for i, words in enumerate(lines) if words[:1] == [header])
    return [words for words in lines[start:] if words and " - LiteLLM" not in " ".join(words)]


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
    config.write_text(
        config_text(sim, "  breaker: {min_requests: 1, failure_rate: 0.5, slow_ttft_ms: 60000}")
    )
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


async def test_a_stream_broken_mid_sentence_is_finished_elsewhere_over_nats(
    nats: NatsServer, sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller's stream (StreamComplete over NATS) carries the whole sentence once: the
    primary's first words, then the rest from the secondary, which was asked to continue them."""
    monkeypatch.setenv("SIM_KEY", "k")
    config = tmp_path / "llm.yaml"
    config.write_text(config_text(sim))
    async for client in serving(nats, config):
        sim["alpha"].provider.set_faults({"break_after_tokens": 3})
        chunks = [
            chunk
            async for chunk in client.bus.stream(
                "frontdesk.llm_router.StreamComplete", ask("hours?"), llm_router_pb2.CompleteChunk
            )
        ]
        failovers = await client.js.pull_subscribe(
            "frontdesk.events.provider_failover", stream="events"
        )
        told: list[events_pb2.ProviderFailover] = []
        for _ in range(50):  # published beside the request, so poll briefly
            with contextlib.suppress(TimeoutError):
                batch = await failovers.fetch(10, timeout=0.2)
                told += [events_pb2.ProviderFailover.FromString(m.data) for m in batch]
            if told:
                break
    text = [(c.provider, c.delta) for c in chunks if c.delta]
    assert "".join(delta for _, delta in text) == "We are open nine to five, Monday to Friday."
    assert "".join(d for p, d in text if p == "alpha") == "We are open "
    assert {p for p, _ in text[3:]} == {"beta"}
    assert sim["beta"].provider.requests[-1]["messages"][-1] == {
        "role": "assistant",
        "content": "We are open ",
    }
    assert chunks[-1].finish_reason == "stop" and chunks[-1].provider == "beta"
    assert [(e.call_id, e.from_provider, e.reason) for e in told] == [
        ("call-7", "alpha", "stream_broken")
    ]


async def test_the_calls_cost_ledger_is_the_simulators_usage_priced_by_litellm(
    nats: NatsServer,
    sim: Simulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each completion's price and the call's running total come back in the response; the
    call's ledger in the llm_costs bucket (what the orchestrator puts in CallCompleted) is the
    token counts the simulator reported, priced with litellm's cost map."""
    monkeypatch.setenv("SIM_KEY", "k")
    config = tmp_path / "llm.yaml"
    config.write_text(config_text(sim, "  cache_entries: 10"))
    async for client in serving(nats, config):
        bus = client.bus
        first = await bus.call(
            "frontdesk.llm_router.Complete", ask("hours?"), llm_router_pb2.CompleteResponse
        )
        chunks = [
            chunk
            async for chunk in bus.stream(
                "frontdesk.llm_router.StreamComplete",
                ask("and your hours on Monday?"),
                llm_router_pb2.CompleteChunk,
            )
        ]
        cached = await bus.call(
            "frontdesk.llm_router.Complete", ask("hours?"), llm_router_pb2.CompleteResponse
        )
        sent = sim["alpha"].provider.requests
        assert len(sent) == 2  # the third was the cache's
        expected = 0.0
        for number, request in enumerate(sent, start=1):
            reply = scripted_answer(
                sim["alpha"].provider.script, request["messages"], call_number=number
            )
            prompt, completion = litellm.cost_per_token(
                model="gpt-4o-mini",
                prompt_tokens=count_prompt_tokens(request["messages"]),
                completion_tokens=count_completion_tokens(reply),
            )
            expected += prompt + completion
        last = chunks[-1].usage
        assert first.usage.cost_usd + last.cost_usd == pytest.approx(expected)
        assert first.usage.call_cost_usd == pytest.approx(first.usage.cost_usd)
        assert last.call_cost_usd == pytest.approx(expected)
        assert (cached.cached, cached.usage.cost_usd) == (True, 0)
        assert cached.usage.call_cost_usd == pytest.approx(expected)
        ledger = await CallCosts(client.js).get("call-7")
        assert ledger.cost_usd == pytest.approx(expected)
        assert (ledger.prompt_tokens, ledger.completion_tokens, ledger.requests) == (
            first.usage.prompt_tokens + last.prompt_tokens,
            first.usage.completion_tokens + last.completion_tokens,
            2,
        )
        assert (await CallCosts(client.js).get("another-call")).requests == 0
        command = ["llm", "cost", "call-7", "another-call", "--nats", nats.url]
        assert await asyncio.to_thread(cli_main, [*command, "--state-dir", str(tmp_path)]) == 0
    printed = printed_after(capsys.readouterr().out, "CALL")
    assert printed[1:] == [
        [
            "call-7",
            f"{expected:.6f}",
            str(ledger.prompt_tokens),
            str(ledger.completion_tokens),
            "2",
        ],
        ["another-call", "0.000000", "0", "0", "0"],
    ]


async def test_frontdesk_llm_routes_shows_breakers_over_grpc(
    nats: NatsServer,
    sim: Simulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SIM_KEY", "k")
    config = tmp_path / "llm.yaml"
    config.write_text(
        config_text(sim, "  breaker: {min_requests: 1, failure_rate: 0.5, slow_ttft_ms: 60000}")
    )
    up: list[Serving] = []
    async for client in serving(nats, config, up):
        for name in ("alpha", "beta"):
            sim[name].provider.set_faults({"down": True})
        with pytest.raises(Unavailable):
            await client.bus.call(
                "frontdesk.llm_router.Complete", ask("hours?"), llm_router_pb2.CompleteResponse
            )
        command = ["llm", "routes", "--insecure", "--state-dir", str(tmp_path)]
        command += ["--address", f"127.0.0.1:{up[0].grpc_port}"]
        # The command is synchronous gRPC: off the loop that serves it.
        assert await asyncio.to_thread(cli_main, command) == 0
    lines = [" ".join(words) for words in printed_after(capsys.readouterr().out, "ROUTE")]
    assert lines[0].split() == ["ROUTE", "DEPLOYMENT", "MODEL", "WEIGHT", "BREAKER", "HEALTHY"]
    assert [line.split() for line in lines[1:3]] == [
        ["dialogue", "alpha", "openai/gpt-4o-mini", "100%", "open", "no"],
        ["dialogue", "beta", "openai/gpt-4o", "0%", "open", "no"],
    ]
    assert lines[3].startswith("every breaker open on: dialogue")


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
