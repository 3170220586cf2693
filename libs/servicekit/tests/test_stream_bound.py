"""A NATS server stream that outruns its reader is stopped with RESOURCE_EXHAUSTED after the
reader has what was buffered, instead of buffering without bound."""

from __future__ import annotations

import asyncio

import pytest

from frontdesk.v1 import orchestrator_pb2
from servicekit import BusClient, make_broker
from servicekit.bus import STREAM_BUFFER
from servicekit.errors import ResourceExhausted
from servicekit.testing import NatsServer

from .conftest import RunningService

pytestmark = pytest.mark.nats


async def test_a_stream_faster_than_its_reader_is_stopped(
    orchestrator: RunningService, nats_server: NatsServer
) -> None:
    broker = make_broker(nats_server.url)
    await broker.connect()
    bus = BusClient(broker, timeout=20)
    words = " ".join(f"w{i}" for i in range(3 * STREAM_BUFFER))
    request = orchestrator_pb2.TurnRequest(call_id="c1", text=words)
    read = 0
    try:
        with pytest.raises(ResourceExhausted, match="faster than they were read"):
            async for _ in bus.stream(
                "frontdesk.orchestrator.v-test.Turn", request, orchestrator_pb2.TurnEvent
            ):
                if read == 0:
                    await asyncio.sleep(1.5)  # a stalled reader: the server runs ahead
                read += 1
        assert STREAM_BUFFER <= read < 3 * STREAM_BUFFER
    finally:
        await broker.stop()


async def test_a_burst_within_the_buffer_arrives_whole(
    orchestrator: RunningService, nats_server: NatsServer
) -> None:
    broker = make_broker(nats_server.url)
    await broker.connect()
    bus = BusClient(broker, timeout=20)
    words = [f"w{i}" for i in range(STREAM_BUFFER // 2)]
    request = orchestrator_pb2.TurnRequest(call_id="c1", text=" ".join(words))
    try:
        got = [
            event.say.text
            async for event in bus.stream(
                "frontdesk.orchestrator.v-test.Turn", request, orchestrator_pb2.TurnEvent
            )
        ]
        assert got == words
    finally:
        await broker.stop()
