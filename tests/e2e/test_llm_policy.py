"""The LLM dialogue policy through the whole stack: the gateway, the orchestrator asking
llm_router over NATS, llm_router asking the simulated providers over HTTP (the scripted model of
``deploy/local/llm/sim.yaml``), the scheduler and handoff services.

Scripted LLM calls book, reschedule and cancel; an emergency mid-call escalates without a
model round trip; with every provider down mid-call the rules policy finishes the booking. The
suite-wide ``llm_sim`` fixture then checks that no prompt held a patient's identifiers.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml

from callsim.client import Call
from llmsim import Simulator
from orchestrator import safety
from servicekit.settings import PROJECT_ROOT
from servicekit.testing import SecuredNats

from .stack import Stack
from .test_resilience import DEMO_NUMBER, booked_by_calls

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.asyncio(loop_scope="module")]

MEDICAL = safety.emergency_lines(safety.Script.MEDICAL)


def llm_config(sim: Simulator, folder: Path) -> Path:
    """llm_router's routes over the simulator (litellm proxy format, as FRONTDESK_LLM_CONFIG)."""
    config = {
        "model_list": [
            {
                "model_name": "dialogue",
                "litellm_params": {
                    "model": "openai/gpt-4o-mini",
                    "api_base": sim[name].api_base,
                    "api_key": "sim",
                },
                "model_info": {"id": name},
            }
            for name in ("primary", "secondary")
        ],
        "router_settings": {"timeout": 10},
        "frontdesk": {
            "default_route": "dialogue",
            "ttft_budget_ms": 2000,
            "deadline_ms": 10000,
            "hedging": {"enabled": False},
            "breaker": {"window_s": 30, "min_requests": 50, "failure_rate": 0.9, "open_s": 1},
        },
    }
    path = folder / "llm.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def llm_flags(folder: Path) -> Path:
    """The bootstrap flags with ``dialogue_policy`` on, every call on the variant "llm"."""
    bootstrap = json.loads((PROJECT_ROOT / "gitops/flags/bootstrap/production.json").read_text())
    for feature in bootstrap["features"]:
        if feature["name"] == "dialogue_policy":
            feature["enabled"] = True
            feature["strategies"][0]["parameters"]["rollout"] = "100"
    path = folder / "flags.json"
    path.write_text(json.dumps(bootstrap))
    return path


@pytest.fixture(scope="module")
def sim(llm_sim: Simulator) -> Iterator[Simulator]:
    yield llm_sim
    for running in llm_sim.running.values():
        running.provider.set_faults({"down": False})


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def llm_stack(
    module_nats: SecuredNats, sim: Simulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    # llm_router imports litellm when it has routes: seconds, many more on a loaded machine;
    # imported here once so the stack's start-up deadline measures the services, not the import.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price fetch over the network
    import litellm  # noqa: F401

    folder = tmp_path_factory.mktemp("llm-stack")
    db = f"sqlite+pysqlite:///{folder / 'scheduler.db'}"
    async with Stack.start(
        module_nats.url,
        state_dir=folder,
        scheduler_db=db,
        nats_users=module_nats.credentials,
        settings={"llm_config": llm_config(sim, folder), "flags_file": llm_flags(folder)},
    ) as running:
        yield running


def requests_seen(sim: Simulator) -> int:
    return sum(len(r.provider.requests) for r in sim.running.values())


class Talk:
    def __init__(self, call: Call) -> None:
        self.call = call

    async def __call__(self, text: str) -> str:
        asked = await self.call.say(text)
        return (await self.call.reply(asked=asked)).text


async def open_call(stack: Stack, call_id: str, from_number: str) -> AsyncIterator[Talk]:
    async with (
        stack.channel("gateway") as channel,
        Call.open(channel, call_id=call_id, from_number=from_number, to_number=DEMO_NUMBER) as call,
    ):
        greeting = await call.reply()
        assert "How can I help" in greeting.text
        yield Talk(call)


def calling(stack: Stack, call_id: str, from_number: str = "+15555550199") -> Any:
    import contextlib

    return contextlib.asynccontextmanager(open_call)(stack, call_id, from_number)


async def policy_of(stack: Stack, call_id: str) -> str:
    from frontdesk.v1 import orchestrator_pb2, orchestrator_pb2_grpc

    async with stack.channel("orchestrator") as channel:
        session = await orchestrator_pb2_grpc.OrchestratorStub(channel).GetSession(
            orchestrator_pb2.GetSessionRequest(call_id=call_id)
        )
    return str(session.policy)


async def test_a_scripted_llm_call_books(llm_stack: Stack) -> None:
    async with calling(llm_stack, "llm-book") as say:
        assert (await policy_of(llm_stack, "llm-book")).startswith("llm-")
        reply = await say("I'd like to book a checkup")
        assert "full name and date of birth" in reply, reply
        reply = await say("It's Maria Lopez, March third nineteen eighty")
        assert "I found your record" in reply, reply
        reply = await say("next week in the morning please")
        assert "first one" in reply, reply
        reply = await say("the first one")
        assert "I have you down for" in reply and "Shall I book it?" in reply, reply
        reply = await say("yes")
        assert "booked" in reply, reply
    assert any(call == "llm-book" for _, _, call in booked_by_calls(llm_stack.scheduler_db))


async def test_a_scripted_llm_call_reschedules(llm_stack: Stack) -> None:
    async with calling(llm_stack, "llm-reschedule") as say:
        # Asked before verification: the tool refuses, whatever the model wanted.
        reply = await say("I want to reschedule my appointment")
        assert "verify your identity" in reply, reply
        reply = await say("James Smith, July fourteenth 1975")
        assert "I found your record" in reply, reply
        reply = await say("I want to reschedule my appointment")
        assert "Which one" in reply, reply
        reply = await say("move the first one to the afternoon")
        assert "first one" in reply, reply
        reply = await say("the first time works")
        assert "I'll move" in reply and "Shall I go ahead?" in reply, reply
        reply = await say("yes")
        assert "has been moved" in reply, reply


async def test_a_scripted_llm_call_cancels(llm_stack: Stack) -> None:
    async with calling(llm_stack, "llm-cancel") as say:
        await say("I need to cancel my appointment")
        reply = await say("Maria Lopez, 03/03/1980")
        assert "I found your record" in reply, reply
        reply = await say("I want to cancel my appointment")
        assert "Which one" in reply, reply
        reply = await say("cancel the first one")
        assert "I'll cancel" in reply and "Would you like me to cancel it?" in reply, reply
        reply = await say("yes")
        assert "is cancelled" in reply, reply


async def test_an_emergency_mid_call_escalates_without_asking_the_model(
    llm_stack: Stack, sim: Simulator
) -> None:
    async with calling(llm_stack, "llm-emergency") as say:
        await say("I'd like to book a checkup")
        before = requests_seen(sim)
        reply = await say("actually I have crushing chest pain and I can't breathe")
        assert MEDICAL.first in reply, reply
        assert requests_seen(sim) == before, "the model was asked during an emergency"
        events = await say.call.drain(1.0)
        assert any(type(e).__name__ == "TransferInfo" for e in events) or say.call.over


async def test_every_provider_down_mid_call_the_rules_policy_finishes_the_booking(
    llm_stack: Stack, sim: Simulator
) -> None:
    async with calling(llm_stack, "llm-outage", from_number="+15555550188") as say:
        await say("I'd like to book a checkup")
        reply = await say("It's Aisha Khan, born November thirtieth 1992")
        assert "I found your record" in reply, reply
        reply = await say("next week in the morning please")
        assert "first one" in reply, reply
        for running in sim.running.values():
            running.provider.set_faults({"down": True})
        try:
            before = requests_seen(sim)
            reply = await say("the first one")
            assert "Shall I book it?" in reply, reply
            reply = await say("yes")
            assert "booked" in reply, reply
            assert await policy_of(llm_stack, "llm-outage") == "rules"
            # The rules policy serves the rest of the call: no more model requests.
            assert requests_seen(sim) - before <= 2
        finally:
            for running in sim.running.values():
                running.provider.set_faults({"down": False})
    assert any(call == "llm-outage" for _, _, call in booked_by_calls(llm_stack.scheduler_db))


async def test_the_calls_model_spend_is_in_call_completed(
    llm_stack: Stack, sim: Simulator, module_nats: SecuredNats
) -> None:
    """CallCompleted.llm is what the simulator reported for the call's completions, priced by
    litellm's cost map (llm_router's ledger in the llm_costs bucket, read at call end)."""
    import asyncio

    import litellm

    from frontdesk.v1 import events_pb2
    from llmsim import answer, count_completion_tokens, count_prompt_tokens

    before = {name: len(r.provider.requests) for name, r in sim.running.items()}
    async with calling(llm_stack, "llm-costs", from_number="+15555550177") as say:
        await say("I'd like to book a checkup")
        await say("It's Maria Lopez, March third nineteen eighty")
    expected, prompt_tokens, completion_tokens, requests = 0.0, 0, 0, 0
    for name, running in sim.running.items():
        for number, body in enumerate(running.provider.requests, start=1):
            if number <= before[name]:
                continue
            reply = answer(running.provider.script, body["messages"], call_number=number)
            prompt = count_prompt_tokens(body["messages"])
            completion = count_completion_tokens(reply)
            prices = litellm.cost_per_token(
                model="gpt-4o-mini", prompt_tokens=prompt, completion_tokens=completion
            )
            expected += sum(prices)
            prompt_tokens, completion_tokens = (
                prompt_tokens + prompt,
                completion_tokens + completion,
            )
            requests += 1
    assert requests >= 2, "the model was not asked"
    connection = await module_nats.connect("admin")
    try:
        found: list[events_pb2.CallCompleted] = []
        subscription = await connection.jetstream().subscribe(
            "frontdesk.events.call_completed", ordered_consumer=True
        )
        for _ in range(120):  # the hang-up is recorded, then the call ends: bounded wait
            try:
                message = await subscription.next_msg(timeout=0.5)
            except Exception:
                await asyncio.sleep(0.5)
                continue
            event = events_pb2.CallCompleted.FromString(message.data)
            if event.call_id == "llm-costs":
                found.append(event)
                break
    finally:
        await connection.close()
    [completed] = found
    assert completed.llm.cost_usd == pytest.approx(expected)
    assert (
        completed.llm.prompt_tokens,
        completed.llm.completion_tokens,
        completed.llm.requests,
    ) == (prompt_tokens, completion_tokens, requests)
