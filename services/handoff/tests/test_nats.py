"""The handoff servicer served by ``servicekit.serve`` on a real nats-server: Create and its
errors over NATS request/reply, Watch as a NATS stream, and the redacted ``HandoffCreated``
event landing on the JetStream ``events`` stream through ``runtime.events``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from clinic import ClinicDirectory
from frontdesk.v1 import common_pb2, events_pb2, handoff_pb2, handoff_pb2_grpc
from handoff.server import HandoffServicer
from handoff.store import HandoffStore
from servicekit import BusClient, Runtime, ServiceDefinition, ServiceSettings, Serving, serve
from servicekit.errors import InvalidArgument
from servicekit.testing import NatsServer

pytestmark = pytest.mark.nats

HANDOFF = ServiceDefinition(
    name="handoff",
    descriptor=handoff_pb2.DESCRIPTOR.services_by_name["Handoff"],
    add_to_server=handoff_pb2_grpc.add_HandoffServicer_to_server,
)


@pytest.fixture
def nats() -> Iterator[NatsServer]:
    server = NatsServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def running(
    nats: NatsServer, tmp_path: Path, clinics: ClinicDirectory
) -> AsyncIterator[tuple[Runtime, HandoffServicer]]:
    settings = ServiceSettings(
        nats_url=nats.url, grpc_port=-1, metrics_port=-2, version="v-test", insecure=True
    )  # this test calls over NATS only
    runtime = await Runtime.start("handoff", settings, with_flags=False)
    store = HandoffStore.open(f"sqlite:///{tmp_path / 'h.db'}")
    servicer = HandoffServicer(
        store=store,
        clinics=clinics,
        events=runtime.events,
        redact=lambda text, packet: text.replace("Maria Lopez", "[NAME]"),
    )
    stop = asyncio.Event()
    ready: asyncio.Future[Serving] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve(runtime, HANDOFF, servicer, stop=stop, on_ready=ready.set_result)
    )
    await asyncio.wait_for(ready, 10)
    try:
        yield runtime, servicer
    finally:
        servicer.hub.close()
        stop.set()
        await asyncio.wait_for(task, 20)
        store.close()


def request(**changes: object) -> handoff_pb2.CreateHandoffRequest:
    values: dict[str, object] = {
        "call_id": "call-n",
        "clinic_id": "demo",
        "caller_name": "Maria Lopez",
        "reason": common_pb2.HANDOFF_REASON_OUT_OF_SCOPE,
        "urgency": common_pb2.URGENCY_SOON,
        "summary": "Maria Lopez asks about a bill.",
    }
    values.update(changes)
    return handoff_pb2.CreateHandoffRequest(packet=handoff_pb2.HandoffPacket(**values))  # type: ignore[arg-type]


async def test_create_watch_and_event_over_nats(
    running: tuple[Runtime, HandoffServicer],
) -> None:
    runtime, servicer = running
    bus: BusClient = runtime.bus

    received: list[handoff_pb2.HandoffPacket] = []

    async def watch() -> None:
        async for packet in bus.stream(
            "frontdesk.handoff.Watch",
            handoff_pb2.WatchHandoffsRequest(clinic_id="demo"),
            handoff_pb2.HandoffPacket,
            timeout=10,
        ):
            received.append(packet)
            return  # leaving the loop cancels the stream remotely

    watching = asyncio.create_task(watch())
    for _ in range(500):
        if servicer.hub.watcher_count:
            break
        await asyncio.sleep(0.01)
    assert servicer.hub.watcher_count == 1

    created = await bus.call(
        "frontdesk.handoff.Create", request(), handoff_pb2.CreateHandoffResponse
    )
    await asyncio.wait_for(watching, 10)
    assert received == [created.packet]

    with pytest.raises(InvalidArgument, match=r"packet\.reason"):
        await bus.call(
            "frontdesk.handoff.Create",
            request(call_id="call-bad", reason=0),
            handoff_pb2.CreateHandoffResponse,
        )

    stored = await runtime.js.get_last_msg("events", "frontdesk.events.handoff_created")
    event = events_pb2.HandoffCreated.FromString(stored.data or b"")
    assert event.handoff_id == created.packet.handoff_id
    assert event.summary == "[NAME] asks about a bill."

    for _ in range(500):
        if servicer.hub.watcher_count == 0:
            break
        await asyncio.sleep(0.01)
    assert servicer.hub.watcher_count == 0
