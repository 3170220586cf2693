"""The router over litellm's Router against llm-sim providers on real HTTP."""

from __future__ import annotations

import time

import litellm
import pytest

import phi
from llm_router.backend import LitellmBackend, LitellmPrices
from llm_router.breaker import BreakerState
from llm_router.canary import RoutePicker
from llm_router.config import parse_config
from llm_router.routing import Failover, ModelRouter
from llm_router.tests.conftest import MakeRouter
from llm_router.types import Message, Request
from llmsim import Simulator, count_completion_tokens, count_prompt_tokens
from llmsim import answer as scripted_answer
from servicekit.errors import DeadlineExceeded, ResourceExhausted, Unavailable
from servicekit.metrics import Metrics


def ask(text: str, call_id: str = "call-1", **options: object) -> Request:
    return Request(call_id=call_id, messages=(Message("user", text),), **options)  # type: ignore[arg-type]


def sample(router: ModelRouter, name: str, **labels: str) -> float:
    """A sample of the router's registry; route and variant those of a call outside a canary
    unless given."""
    assert router._metrics is not None
    labels = {"version": "dev", "route": "dialogue", "variant": "disabled", **labels}
    value = router._metrics.registry.get_sample_value(name, labels)
    return value or 0.0


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_complete_with_cost_equal_to_the_simulators_usage_priced_by_litellm(
    sim: Simulator, make_router: MakeRouter
) -> None:
    router = make_router()
    done = await router.complete(ask("what are your hours?"))
    assert done.message.content == "We are open nine to five, Monday to Friday."
    assert (done.provider, done.model, done.finish_reason) == (
        "alpha",
        "openai/gpt-4o-mini",
        "stop",
    )
    [sent] = sim["alpha"].provider.requests
    expected_prompt = count_prompt_tokens(sent["messages"])
    expected_completion = count_completion_tokens(
        scripted_answer(sim["alpha"].provider.script, sent["messages"], call_number=1)
    )
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (
        expected_prompt,
        expected_completion,
    )
    prompt_cost, completion_cost = litellm.cost_per_token(
        model="gpt-4o-mini", prompt_tokens=expected_prompt, completion_tokens=expected_completion
    )
    assert done.usage.cost_usd == pytest.approx(prompt_cost + completion_cost)
    await router.complete(ask("what are your hours?"))
    assert router.ledger.total("call-1") == pytest.approx(2 * (prompt_cost + completion_cost))
    assert router.ledger.total("call-2") == 0
    assert sample(
        router, "frontdesk_llm_cost_usd_total", provider="alpha", model="openai/gpt-4o-mini"
    ) == pytest.approx(router.ledger.total("call-1"))


async def test_streamed_text_and_a_tool_call(make_router: MakeRouter) -> None:
    router = make_router()
    chunks = [c async for c in router.stream(ask("hours please"))]
    assert "".join(c.delta for c in chunks) == "We are open nine to five, Monday to Friday."
    assert len([c for c in chunks if c.delta]) > 1  # really streamed, token by token
    assert chunks[-1].usage is not None and chunks[-1].finish_reason == "stop"
    done = await router.complete(ask("I'd like to book"))
    assert done.finish_reason == "tool_calls"
    [call] = done.message.tool_calls
    assert (call.name, call.arguments_json, call.id) == ("find_slots", '{"day": "tue"}', "call_2")


@pytest.mark.parametrize("fault", [{"error_rate": 1, "error_status": 500}, {"down": True}])
async def test_failover_before_the_first_token(
    sim: Simulator, make_router: MakeRouter, fault: dict[str, object]
) -> None:
    router = make_router()
    sim["alpha"].provider.set_faults(fault)
    done = await router.complete(ask("hours"))
    assert done.provider == "beta" and done.message.content.startswith("We are open")
    assert len(sim["alpha"].provider.requests) == 1
    assert (
        sample(
            router,
            "frontdesk_llm_requests_total",
            provider="alpha",
            model="openai/gpt-4o-mini",
            outcome="error",
        )
        == 1
    )
    assert (
        sample(
            router,
            "frontdesk_llm_requests_total",
            provider="beta",
            model="openai/gpt-4o",
            outcome="ok",
        )
        == 1
    )


async def test_breaker_closed_open_half_open_closed(
    sim: Simulator, make_router: MakeRouter
) -> None:
    clock = Clock()
    router = make_router(
        "  breaker: {min_requests: 2, failure_rate: 0.5, open_s: 5, window_s: 60,"
        " slow_ttft_ms: 60000}",
        clock=clock,
    )
    alpha = router.breakers["alpha"]
    sim["alpha"].provider.set_faults({"down": True})
    await router.complete(ask("hours"))
    assert alpha.state is BreakerState.CLOSED  # one failure: under the minimum count
    await router.complete(ask("hours"))
    assert alpha.state is BreakerState.OPEN
    assert sample(router, "frontdesk_llm_provider_healthy", provider="alpha") == 0
    [route] = router.routes()
    assert [(d.provider, d.breaker_state, d.healthy) for d in route.deployments] == [
        ("alpha", "open", False),
        ("beta", "closed", True),
    ]
    sim["alpha"].provider.set_faults({"down": False})
    done = await router.complete(ask("hours"))
    assert done.provider == "beta"
    assert len(sim["alpha"].provider.requests) == 2  # open: skipped, not asked
    clock.now += 5
    assert alpha.state is BreakerState.HALF_OPEN
    done = await router.complete(ask("hours"))  # the probe
    assert done.provider == "alpha" and alpha.state is BreakerState.CLOSED
    assert sample(router, "frontdesk_llm_provider_healthy", provider="alpha") == 1


async def test_retry_after_is_honoured(sim: Simulator, make_router: MakeRouter) -> None:
    clock = Clock()
    router = make_router(clock=clock)
    sim["alpha"].provider.set_faults({"error_rate": 1, "error_status": 429, "retry_after_s": 30})
    assert (await router.complete(ask("hours"))).provider == "beta"
    assert router.breakers["alpha"].state is BreakerState.OPEN
    sim["alpha"].provider.set_faults({"error_rate": 0})
    clock.now += 29
    assert (await router.complete(ask("hours"))).provider == "beta"
    clock.now += 1
    assert (await router.complete(ask("hours"))).provider == "alpha"


async def test_all_down_is_unavailable_without_asking_anyone(
    sim: Simulator, make_router: MakeRouter
) -> None:
    router = make_router("  breaker: {min_requests: 1, failure_rate: 0.5, slow_ttft_ms: 60000}")
    for name in ("alpha", "beta"):
        sim[name].provider.set_faults({"down": True})
    with pytest.raises(Unavailable, match=r"alpha .*503.*beta .*503"):
        await router.complete(ask("hours"))
    asked = [len(sim[n].provider.requests) for n in ("alpha", "beta")]
    started = time.perf_counter()
    with pytest.raises(Unavailable, match="circuit open: alpha, beta"):
        await router.complete(ask("hours"))
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert [len(sim[n].provider.requests) for n in ("alpha", "beta")] == asked
    print(f"all down -> UNAVAILABLE in {elapsed_ms:.2f} ms")


async def test_hedging_wins_when_the_primary_is_slow_and_stays_under_its_cap(
    sim: Simulator, make_router: MakeRouter
) -> None:
    router = make_router(
        "  ttft_budget_ms: 100\n  hedging: {enabled: true, max_share: 0.5}\n"
        "  breaker: {slow_ttft_ms: 60000}"
    )
    sim["alpha"].provider.set_faults({"ttft_ms": 400})
    providers = [(await router.complete(ask("hours"))).provider for _ in range(4)]
    # 1 hedge of 1 request would be 100% > 50%; of 2 it is 50%; a 2nd of 3 is 67%; of 4, 50%.
    assert providers == ["alpha", "beta", "alpha", "beta"]
    assert len(sim["beta"].provider.requests) == 2
    assert (
        sample(
            router,
            "frontdesk_llm_requests_total",
            provider="alpha",
            model="openai/gpt-4o-mini",
            outcome="cancelled",
        )
        == 2
    )


async def test_no_hedging_when_off(sim: Simulator, make_router: MakeRouter) -> None:
    router = make_router("  ttft_budget_ms: 50")
    sim["alpha"].provider.set_faults({"ttft_ms": 200})
    assert (await router.complete(ask("hours"))).provider == "alpha"
    assert sim["beta"].provider.requests == []


async def test_deadline(sim: Simulator, make_router: MakeRouter) -> None:
    router = make_router()
    for name in ("alpha", "beta"):
        sim[name].provider.set_faults({"ttft_ms": 1000})
    with pytest.raises(DeadlineExceeded, match="200 ms deadline"):
        await router.complete(ask("hours", deadline_s=0.2))


async def test_a_completion_overrunning_its_deadline_mid_stream(
    sim: Simulator, make_router: MakeRouter
) -> None:
    router = make_router()
    # 9 tokens over four seconds; the deadline leaves a busy machine time for the first one.
    sim["alpha"].provider.set_faults({"tokens_per_second": 2})
    received: list[str] = []
    with pytest.raises(DeadlineExceeded, match="alpha: the completion overran its deadline"):
        async for chunk in router.stream(ask("hours", deadline_s=2.0)):
            received.append(chunk.delta)
    assert received and "".join(received) != "We are open nine to five, Monday to Friday."
    # Cancelled by the deadline only: the task goes on, and the next request is served.
    sim["alpha"].provider.set_faults({"tokens_per_second": 0})
    assert (await router.complete(ask("hours"))).message.content.startswith("We are open")


async def test_a_callers_own_short_deadline_never_counts_against_the_deployment(
    sim: Simulator, make_router: MakeRouter
) -> None:
    """A caller asking for less time than the route allows gets DEADLINE_EXCEEDED, and the
    deployment's breaker stays closed however often it asks (found by the fuzz suite: 7 ms
    deadlines counted as the provider's failures)."""
    router = make_router("  breaker: {min_requests: 1, failure_rate: 0.5}")
    sim["alpha"].provider.set_faults({"tokens_per_second": 20})  # the first token at once
    for n in range(3):
        with pytest.raises(DeadlineExceeded):
            await router.complete(ask("hours", call_id=f"c{n}", deadline_s=0.1))
    assert router.breakers["alpha"].state is BreakerState.CLOSED
    assert (
        sample(
            router,
            "frontdesk_llm_requests_total",
            provider="alpha",
            model="openai/gpt-4o-mini",
            outcome="error",
        )
        == 0
    )
    # The route's own deadline overrun is still the deployment's failure.
    slow = make_router("  deadline_ms: 200\n  breaker: {min_requests: 1, failure_rate: 0.5}")
    with pytest.raises(DeadlineExceeded):
        await slow.complete(ask("hours"))
    assert slow.breakers["alpha"].state is BreakerState.OPEN


async def test_a_stream_broken_mid_sentence_resumes_elsewhere(
    sim: Simulator, make_router: MakeRouter
) -> None:
    router = make_router()
    sim["alpha"].provider.set_faults({"break_after_tokens": 3})
    chunks = [c async for c in router.stream(ask("hours"))]
    assert "".join(c.delta for c in chunks) == "We are open nine to five, Monday to Friday."
    assert [c.provider for c in chunks if c.delta][:4] == ["alpha", "alpha", "alpha", "beta"]
    resumed = sim["beta"].provider.requests[-1]["messages"]
    assert resumed[-1] == {"role": "assistant", "content": "We are open "}
    assert router.breakers["alpha"].state is BreakerState.CLOSED  # one failure of five needed
    done = await router.complete(ask("hours"))
    assert done.message.content == "We are open nine to five, Monday to Friday."
    assert done.provider == "beta"


async def test_every_stream_breaking_is_unavailable(
    sim: Simulator, make_router: MakeRouter
) -> None:
    router = make_router()
    for name in ("alpha", "beta"):
        sim[name].provider.set_faults({"break_after_tokens": 2})
    received: list[str] = []
    with pytest.raises(Unavailable, match="broke off mid-answer"):
        async for chunk in router.stream(ask("hours")):
            received.append(chunk.delta)
    assert "".join(received) == "We are open nine "  # what each deployment got out


async def test_unknown_route(make_router: MakeRouter) -> None:
    from servicekit.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match=r"unknown route 'nope'.*dialogue"):
        await make_router().complete(ask("hours", route="nope"))


async def test_failovers_are_told_with_their_reason(
    sim: Simulator, make_router: MakeRouter
) -> None:
    notes: list[Failover] = []
    router = make_router(
        "  ttft_budget_ms: 100\n  hedging: {enabled: true, max_share: 1.0}\n"
        "  breaker: {min_requests: 1, failure_rate: 0.5, slow_ttft_ms: 60000}",
        on_failover=notes.append,
    )
    assert (await router.complete(ask("hours"))).provider == "alpha"
    assert notes == []  # served where it was meant to be
    sim["alpha"].provider.set_faults({"ttft_ms": 400})
    assert (await router.complete(ask("hours", call_id="c-slow"))).provider == "beta"
    sim["alpha"].provider.set_faults({"ttft_ms": 0, "down": True})
    await router.complete(ask("hours", call_id="c-down"))
    await router.complete(ask("hours", call_id="c-open"))
    sim["beta"].provider.set_faults({"down": True})
    with pytest.raises(Unavailable):
        await router.complete(ask("hours", call_id="c-none"))
    assert [(n.call_id, n.from_provider, n.to_provider, n.reason) for n in notes] == [
        ("c-slow", "alpha", "beta", "ttft_budget"),
        ("c-down", "alpha", "beta", "error"),
        ("c-open", "alpha", "beta", "circuit_open"),
        ("c-none", "alpha", "", "circuit_open"),
    ]


async def test_a_request_the_providers_refuse_is_invalid_argument_and_opens_no_breaker(
    sim: Simulator, make_router: MakeRouter
) -> None:
    """An HTTP 400 is the request's fault: a caller sending malformed requests gets
    INVALID_ARGUMENT each time and every other call keeps its deployments (before, each 400
    tripped a breaker: one bad request took the route down for everyone)."""
    from servicekit.errors import InvalidArgument

    router = make_router("  breaker: {min_requests: 1, failure_rate: 0.5}")
    malformed = Request(call_id="c-bad", messages=(Message("narrator", "hours"),))
    for _ in range(3):
        with pytest.raises(InvalidArgument, match=r"refused the request as malformed.*role"):
            await router.complete(malformed)
    assert [router.breakers[name].state for name in ("alpha", "beta")] == [BreakerState.CLOSED] * 2
    assert (
        sample(
            router,
            "frontdesk_llm_requests_total",
            provider="alpha",
            model="openai/gpt-4o-mini",
            outcome="refused",
        )
        == 3
    )
    done = await router.complete(ask("hours"))
    assert done.provider == "alpha" and done.message.content.startswith("We are open")


async def test_a_refusal_beside_an_outage_is_still_unavailable(
    sim: Simulator, make_router: MakeRouter
) -> None:
    """Only when every provider that answered refused the request is it the caller's fault."""
    router = make_router()
    sim["beta"].provider.set_faults({"down": True})
    with pytest.raises(Unavailable, match="beta"):
        await router.complete(Request(call_id="c", messages=(Message("narrator", "hours"),)))


async def test_auth_errors_open_the_breaker_at_once(
    sim: Simulator, make_router: MakeRouter
) -> None:
    router = make_router()
    sim["alpha"].provider.set_faults({"error_rate": 1, "error_status": 401})
    assert (await router.complete(ask("hours"))).provider == "beta"
    assert router.breakers["alpha"].state is BreakerState.OPEN  # one failure, min_requests 5


async def test_the_canary_route_is_chosen_per_call(sim: Simulator) -> None:
    config = parse_config(
        f"""
model_list:
  - {{model_name: dialogue, litellm_params: {{model: openai/gpt-4o-mini,
      api_base: "{sim["alpha"].api_base}", api_key: k}}, model_info: {{id: alpha}}}}
  - {{model_name: dialogue-next, litellm_params: {{model: openai/gpt-4o,
      api_base: "{sim["beta"].api_base}", api_key: k}}, model_info: {{id: beta}}}}
frontdesk: {{canary_routes: {{variants: {{candidate: dialogue-next}}}}}}
""",
        "canary.yaml",
    )
    picker = RoutePicker(
        config.frontdesk.canary_routes,
        config.default_route,
        lambda flag, call, clinic: (
            ("candidate", True) if call == "in-canary" else ("disabled", False)
        ),
    )
    router = ModelRouter(
        config,
        LitellmBackend(config),
        pricer=LitellmPrices(),
        picker=picker,
        metrics=Metrics.create(),
    )
    assert (await router.complete(ask("hours", call_id="in-canary"))).provider == "beta"
    assert (await router.complete(ask("hours", call_id="other"))).provider == "alpha"
    # An explicit route wins over the canary.
    assert (
        await router.complete(ask("hours", call_id="in-canary", route="dialogue"))
    ).provider == "alpha"
    # Every llm metric says which route and which canary variant it counts.
    canary = {"route": "dialogue-next", "variant": "candidate", "provider": "beta"}
    for labels in (
        canary,
        {"route": "dialogue", "variant": "disabled", "provider": "alpha"},
        {"route": "dialogue", "variant": "explicit", "provider": "alpha"},
    ):
        model = "openai/gpt-4o" if labels["provider"] == "beta" else "openai/gpt-4o-mini"
        assert sample(router, "frontdesk_llm_requests_total", **labels, model=model, outcome="ok")
        assert sample(router, "frontdesk_llm_ttft_seconds_count", **labels, model=model) == 1
        assert sample(router, "frontdesk_llm_cost_usd_total", **labels, model=model) > 0
    assert sample(router, "frontdesk_llm_provider_healthy", **canary) == 1
    assert sample(router, "frontdesk_llm_provider_healthy", provider="alpha") == 1
    # Bounded: the configured variants, "disabled" and "explicit", whatever Unleash answers.
    assert router._metrics is not None
    variants = {
        s.labels["variant"]
        for metric in router._metrics.registry.collect()
        if metric.name.startswith("frontdesk_llm_")
        for s in metric.samples
    }
    assert variants == {"candidate", "disabled", "explicit"}


async def test_the_cache_is_exact_and_never_shared_between_calls(
    sim: Simulator, make_router: MakeRouter
) -> None:
    router = make_router("  cache_entries: 100")
    first = await router.complete(ask("what are your hours", call_id="call-a"))
    again = await router.complete(ask("what are your hours", call_id="call-a"))
    assert (first.cached, again.cached) == (False, True)
    assert again.message == first.message and again.usage.cost_usd == 0
    assert len(sim["alpha"].provider.requests) == 1
    other_caller = await router.complete(ask("what are your hours", call_id="call-b"))
    other_clinic = await router.complete(
        Request("call-a", (Message("user", "what are your hours"),), clinic="other")
    )
    other_words = await router.complete(ask("what are your hours?", call_id="call-a"))
    assert not (other_caller.cached or other_clinic.cached or other_words.cached)
    assert len(sim["alpha"].provider.requests) == 4
    assert router.ledger.total("call-a") == pytest.approx(
        first.usage.cost_usd + other_clinic.usage.cost_usd + other_words.usage.cost_usd
    )


def faq(text: str, call_id: str, clinic: str = "demo", **options: object) -> Request:
    return Request(
        call_id=call_id,
        clinic=clinic,
        messages=(Message("system", "Answer from the clinic's FAQ."), Message("user", text)),
        clinic_faq=True,
        **options,  # type: ignore[arg-type]
    )


async def test_clinic_faq_answers_are_shared_within_the_clinic_only(
    sim: Simulator, make_router: MakeRouter
) -> None:
    engine = phi.Engine(strict=True)
    router = make_router("  cache_entries: 100", has_phi=lambda text: bool(engine.detect(text)))
    question = "What are your hours on Saturdays?"
    first = await router.complete(faq(question, "call-a"))
    same_clinic = await router.complete(faq(question, "call-b"))
    assert (first.cached, same_clinic.cached) == (False, True)
    assert same_clinic.message == first.message and same_clinic.usage.cost_usd == 0
    other_clinic = await router.complete(faq(question, "call-c", clinic="uptown"))
    no_clinic = [await router.complete(faq(question, f"call-{n}", clinic="")) for n in "de"]
    assert not (other_clinic.cached or no_clinic[0].cached or no_clinic[1].cached)
    # Not marked FAQ: the same words stay the call's own, even in the same clinic.
    unmarked = Request("call-f", faq(question, "call-f").messages, clinic="demo")
    assert not (await router.complete(unmarked)).cached
    assert len(sim["alpha"].provider.requests) == 5
    # Marked FAQ but holding a caller's details: the PHI check keeps it per call.
    personal = "This is Maria Lopez, born March 3 1980: are you open Saturdays?"
    await router.complete(faq(personal, "call-g"))
    assert not (await router.complete(faq(personal, "call-h"))).cached
    assert (await router.complete(faq(personal, "call-h"))).cached  # its own call: exact hit
    assert len(sim["alpha"].provider.requests) == 7


async def test_without_a_phi_check_faq_answers_are_never_shared(
    sim: Simulator, make_router: MakeRouter
) -> None:
    router = make_router("  cache_entries: 100")
    await router.complete(faq("Where do I park?", "call-a"))
    assert not (await router.complete(faq("Where do I park?", "call-b"))).cached
    assert len(sim["alpha"].provider.requests) == 2


async def test_the_cost_cap_refuses_the_calls_next_request(
    sim: Simulator, make_router: MakeRouter
) -> None:
    router = make_router("  cost_cap_usd_per_call: 0.000001")
    await router.complete(ask("hours", call_id="call-a"))  # spends past the cap
    with pytest.raises(ResourceExhausted, match=r"call-a has spent .* rules policy"):
        await router.complete(ask("hours", call_id="call-a"))
    assert len(sim["alpha"].provider.requests) == 1
    assert (await router.complete(ask("hours", call_id="call-b"))).provider == "alpha"
