"""The servicer behind a real grpc.aio server (no servicekit): unary calls and Watch streaming,
including the stream ending when the client cancels."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.protobuf.message import Message

from clinic import ClinicDirectory
from frontdesk.v1 import common_pb2, handoff_pb2, handoff_pb2_grpc
from handoff.server import HandoffServicer
from handoff.store import HandoffStore


class Recorder:
    def __init__(self) -> None:
        self.kinds: list[str] = []

    async def event(self, kind: str, message: Message) -> None:
        self.kinds.append(kind)


@pytest.fixture
async def served(
    tmp_path: Path, clinics: ClinicDirectory
) -> AsyncIterator[tuple[HandoffServicer, handoff_pb2_grpc.HandoffStub]]:
    store = HandoffStore.open(f"sqlite:///{tmp_path / 'h.db'}")
    servicer = HandoffServicer(store=store, clinics=clinics, events=Recorder())
    server = grpc.aio.server()
    handoff_pb2_grpc.add_HandoffServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield servicer, handoff_pb2_grpc.HandoffStub(channel)
    finally:
        await channel.close()
        await server.stop(grace=None)
        store.close()


async def test_create_and_watch_over_grpc(
    served: tuple[HandoffServicer, handoff_pb2_grpc.HandoffStub],
) -> None:
    servicer, stub = served
    call = stub.Watch(handoff_pb2.WatchHandoffsRequest(clinic_id="demo"))
    for _ in range(200):
        if servicer.hub.watcher_count:
            break
        await asyncio.sleep(0.01)
    assert servicer.hub.watcher_count == 1

    request = handoff_pb2.CreateHandoffRequest(
        packet=handoff_pb2.HandoffPacket(
            call_id="call-g",
            clinic_id="demo",
            reason=common_pb2.HANDOFF_REASON_EMERGENCY,
            urgency=common_pb2.URGENCY_URGENT,
            summary="chest pain",
        )
    )
    created = await stub.Create(request)
    assert created.target.address == "sip:triage-nurse@maple-clinic.example"
    seen = await asyncio.wait_for(call.read(), timeout=5)
    assert seen == created.packet

    call.cancel()
    for _ in range(200):
        if servicer.hub.watcher_count == 0:
            break
        await asyncio.sleep(0.01)
    assert servicer.hub.watcher_count == 0
