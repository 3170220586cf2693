"""Over gRPC Converse (a telephony token): a second stream whose setup names a live, verified
call is refused at the claim and hears nothing of that call; the real caller's call goes on.
(The ConversationRelay side of the same attempt: test_relay.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from callsim.client import Call
from servicekit.testing import NatsServer

from .stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


async def test_a_second_stream_naming_a_live_call_hears_nothing_of_it(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with (
        Stack.start(nats_server.url, state_dir=tmp_path) as stack,
        stack.channel("gateway") as channel,
        Call.open(
            channel, call_id="taken-1", from_number="+15550100202", to_number="+15550100100"
        ) as call,
    ):
        await call.reply()
        await call.reply(asked=await call.say("When is my next appointment?"))
        await call.reply(asked=await call.say("James Smith"))
        listed = await call.reply(asked=await call.dtmf("07141975"))
        assert "sick visit" in listed.text.lower(), listed.text

        heard = []
        async with (
            stack.channel("gateway") as other,
            Call.open(
                other, call_id="taken-1", from_number="+15559990000", to_number="+15550100100"
            ) as intruder,
        ):
            heard.append((await intruder.reply()).text)
            if not intruder.over:
                heard.append(
                    (
                        await intruder.reply(
                            asked=await intruder.say("When is my next appointment?")
                        )
                    ).text
                )
            await intruder.drain(0.5)
        said = " ".join(heard).lower()
        assert said
        for secret in ("sick visit", "james", "smith"):
            assert secret not in said, said

        goodbye = await call.reply(asked=await call.say("no, that's it"))
        assert goodbye.text
