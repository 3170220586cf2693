"""No lost call ends: the gateway records each hang-up on the events stream, and the
orchestrator ends the call from it — so a hang-up while no orchestrator answers still produces
the call's outcome and exactly one ``CallCompleted`` once a replica is back, and a hang-up both
paths deliver still ends the call once. Real NATS (JetStream), every service in process."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import nats
import pytest

from callsim.client import Call, Closed
from frontdesk.v1 import common_pb2, events_pb2
from servicekit.testing import NatsServer

from .stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

DEMO_NUMBER = "+15550100100"


async def completed_events(url: str, call_id: str, quiet: float = 3.0) -> list[Any]:
    """Every CallCompleted on the events stream for ``call_id`` (read from the start)."""
    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        subscription = await js.subscribe("frontdesk.events.call_completed", ordered_consumer=True)
        found = []
        while True:
            try:
                message = await subscription.next_msg(timeout=quiet)
            except (TimeoutError, nats.errors.TimeoutError):
                return found
            event = events_pb2.CallCompleted.FromString(message.data)
            if event.call_id == call_id:
                found.append(event)
    finally:
        await connection.close()


async def wait_for_completed(url: str, call_id: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await completed_events(url, call_id, quiet=1.0):
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"no CallCompleted for {call_id} within {timeout} s")


async def talk_then_hang_up(stack: Stack, call_id: str, *, before_hangup: Any = None) -> None:
    async with (
        stack.channel("gateway") as channel,
        Call.open(
            channel, call_id=call_id, from_number="+15555550123", to_number=DEMO_NUMBER
        ) as call,
    ):
        assert "How can I help" in (await call.reply(timeout=30)).text
        assert (await call.reply(asked=await call.say("what are your hours"), timeout=30)).text
        if before_hangup is not None:
            await before_hangup()
        await call.hangup()
        async with asyncio.timeout(30):
            while not isinstance(await call.next_event(), Closed):
                pass


async def test_a_hangup_no_orchestrator_heard_ends_the_call_once_a_replica_is_back(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with Stack.start(nats_server.url, state_dir=tmp_path) as stack:
        orchestrator = stack.services["orchestrator"]

        async def orchestrator_goes_away() -> None:
            await orchestrator.shutdown()

        await talk_then_hang_up(stack, "ends-while-down", before_hangup=orchestrator_goes_away)
        # Nobody could end it yet.
        assert await completed_events(nats_server.url, "ends-while-down", quiet=2.0) == []
        await stack.add_orchestrator(version=orchestrator.settings.version)
        await wait_for_completed(nats_server.url, "ends-while-down")
        await asyncio.sleep(3)  # any second delivery would have arrived by now
        (completed,) = await completed_events(nats_server.url, "ends-while-down")
        assert completed.outcome == common_pb2.CALL_OUTCOME_ABANDONED
        assert completed.turns >= 2


async def test_a_hangup_both_paths_deliver_ends_the_call_once(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with Stack.start(nats_server.url, state_dir=tmp_path) as stack:
        await talk_then_hang_up(stack, "ends-normally")
        await wait_for_completed(nats_server.url, "ends-normally")
        await asyncio.sleep(3)
        (completed,) = await completed_events(nats_server.url, "ends-normally")
        assert completed.outcome == common_pb2.CALL_OUTCOME_ABANDONED
