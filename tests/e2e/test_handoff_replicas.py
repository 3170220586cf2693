"""Handoff Watch across replicas: two handoff replicas on one NATS and one PostgreSQL
database; an agent desk watching one replica sees every handoff, whichever replica created it,
exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from frontdesk.v1 import common_pb2, handoff_pb2, handoff_pb2_grpc
from servicekit.testing import ClientKind, DevCredentials, NatsServer, PostgresDatabase

from .stack import Running, start_service

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres]


@pytest.fixture
async def replicas(
    nats_server: NatsServer,
    postgres_database: PostgresDatabase,
    tmp_path: Path,
    dev_credentials: DevCredentials,
) -> AsyncIterator[list[Running]]:
    started: list[Running] = []
    try:
        for name in ("a", "b"):
            started.append(
                await start_service(
                    "handoff",
                    nats_server.url,
                    version=f"replica-{name}",
                    credentials=dev_credentials,
                    handoff_database_url=postgres_database.url,
                )
            )
        yield started
    finally:
        for running in started:
            await running.shutdown()


def _request(index: int) -> handoff_pb2.CreateHandoffRequest:
    return handoff_pb2.CreateHandoffRequest(
        packet=handoff_pb2.HandoffPacket(
            call_id=f"call-{index}" if index < 1000 else f"probe-{index}",
            clinic_id="demo",
            reason=common_pb2.HANDOFF_REASON_CALLER_REQUEST,
            urgency=common_pb2.URGENCY_ROUTINE,
            caller_name="Maria Lopez",
            summary="wants to talk about a bill",
        ),
        idempotency_key=f"key-{index}",
    )


async def test_a_watcher_on_one_replica_sees_handoffs_created_on_both(
    replicas: list[Running], dev_credentials: DevCredentials
) -> None:
    # Admin: this test both creates (a service's method) and watches (an agent desk's).
    admin = dev_credentials.client(ClientKind.ADMIN)
    channels = [admin.channel(r.target) for r in replicas]
    stubs = [handoff_pb2_grpc.HandoffStub(c) for c in channels]
    try:
        watch = stubs[0].Watch(handoff_pb2.WatchHandoffsRequest(clinic_id="demo"))
        # Watch sees handoffs created after it subscribed: probe until one comes through.
        probes = 0
        while True:
            await stubs[0].Create(_request(1000 + probes))
            probes += 1
            try:
                await asyncio.wait_for(watch.read(), 0.5)
                break
            except TimeoutError:
                assert probes < 40, "the watcher never subscribed"

        created = []
        for index in range(20):
            stub = stubs[index % 2]  # alternate: half are created on the other replica
            created.append((await stub.Create(_request(index))).packet.handoff_id)
        # A retried Create (same idempotency key) is the same handoff, not a new one to watch.
        await stubs[1].Create(_request(3))

        seen = []
        while len(seen) < len(created):
            packet = await asyncio.wait_for(watch.read(), 10)
            if packet.call_id.startswith("call-"):  # a late probe is not under test
                seen.append(packet.handoff_id)
        assert sorted(seen) == sorted(created)
        assert len(set(seen)) == len(seen)
        # Nothing more arrives but late probes: no duplicates from the relay.
        with pytest.raises(TimeoutError):
            while True:
                late = await asyncio.wait_for(watch.read(), 1.0)
                assert late.call_id.startswith("probe-"), late.call_id
        # The packet read from the shared database is the whole packet, not the redacted event.
        whole = await stubs[0].Get(handoff_pb2.GetHandoffRequest(handoff_id=created[1]))
        assert whole.caller_name == "Maria Lopez"
        watch.cancel()
    finally:
        for channel in channels:
            await channel.close()
