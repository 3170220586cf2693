"""Admission from measured load, end to end: an orchestrator whose turns take 0.9 s (its
test-only fault delay) makes the gateway's measured turn p95 exceed the limit, so the next call
hears the busy message and is transferred, while the call already in progress goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from callsim.client import Call
from servicekit.testing import NatsServer

from .stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

DEMO_NUMBER = "+15550100100"


async def test_slow_turns_make_the_gateway_refuse_new_calls_not_live_ones(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with (
        Stack.start(
            nats_server.url,
            state_dir=tmp_path,
            orchestrator={"fault_turn_delay_ms": 900},
            gateway={
                "admission_turn_p95_ms": 600,
                "admission_min_turns": 3,
                "admission_window_s": 120,
                "admission_loop_lag_ms": 0,
            },
        ) as stack,
        stack.channel("gateway") as channel,
        Call.open(
            channel, call_id="live", from_number="+15555550123", to_number=DEMO_NUMBER
        ) as live,
    ):
        assert "How can I help" in (await live.reply(timeout=30)).text
        for text in ("what are your hours", "do you take medicare", "where are you"):
            reply = await live.reply(asked=await live.say(text), timeout=30)
            assert reply.text and reply.latency is not None and reply.latency >= 0.9
        async with Call.open(
            channel, call_id="refused", from_number="+15555550124", to_number=DEMO_NUMBER
        ) as refused:
            busy = await refused.reply(timeout=30)
            await refused.drain(2.0)
        assert "lines are busy" in busy.text
        assert refused.end is not None and refused.end.data == {
            "outcome": "refused",
            "reason": "overload",
        }
        assert refused.transfer is not None and refused.transfer.target
        # The call admitted before goes on.
        reply = await live.reply(asked=await live.say("what are your hours"), timeout=30)
        assert reply.text and not live.over
