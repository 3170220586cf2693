"""Tracing across transports, JetStream setup, graceful shutdown: against a real nats-server."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.client import Client as NATS
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from frontdesk.v1 import orchestrator_pb2, orchestrator_pb2_grpc
from servicekit import BusClient, make_broker
from servicekit.errors import Unavailable
from servicekit.jetstream import ensure_streams
from servicekit.testing import DevCredentials, NatsServer

from .conftest import (
    ORCHESTRATOR,
    SCHEDULER,
    EchoOrchestrator,
    OneSlotScheduler,
    start_orchestrator,
    start_service,
)

pytestmark = pytest.mark.nats


async def test_one_trace_spans_a_grpc_call_into_a_nats_call(
    nats_server: NatsServer, exporter: InMemorySpanExporter, dev_credentials: DevCredentials
) -> None:
    scheduler = await start_service(
        "scheduler_adapter",
        SCHEDULER,
        lambda rt: OneSlotScheduler(),
        nats_server.url,
        exporter=exporter,
    )
    orchestrator = await start_service(
        "orchestrator",
        ORCHESTRATOR,
        lambda rt: EchoOrchestrator(rt.bus),
        nats_server.url,
        exporter=exporter,
        credentials=dev_credentials,
    )
    try:
        async with orchestrator.channel() as channel:
            reply = await orchestrator_pb2_grpc.OrchestratorStub(channel).Claim(
                orchestrator_pb2.ClaimRequest(clinic_id="ask-scheduler")
            )
        assert reply.clinic_id == "Dr. Test"  # the answer really came from the scheduler
    finally:
        await orchestrator.shutdown()
        await scheduler.shutdown()
    spans = exporter.get_finished_spans()
    grpc_span = next(s for s in spans if s.name == "/frontdesk.v1.Orchestrator/Claim")
    nats_spans = [s for s in spans if "FindSlots" in s.name]
    services = {s.resource.attributes["service.name"] for s in nats_spans}
    assert services == {"orchestrator", "scheduler_adapter"}  # publish side and consume side
    assert {s.context.trace_id for s in nats_spans} == {grpc_span.context.trace_id}


async def test_jetstream_setup_twice_is_harmless(nats_server: NatsServer) -> None:
    nc = NATS()
    await nc.connect(nats_server.url)
    try:
        js = nc.jetstream()
        first = await ensure_streams(js)
        await first.put("call-1", b"state")
        await js.publish("frontdesk.events.test", b"one")
        second = await ensure_streams(js)
        assert (await second.get("call-1")).value == b"state"  # nothing was recreated or lost
        streams = sorted(info.config.name for info in await js.streams_info())
        assert streams == ["KV_llm_costs", "KV_sessions", "audit", "events"]
        events = await js.stream_info("events")
        assert events.state.messages == 1
        assert events.config.subjects == ["frontdesk.events.>"]
    finally:
        await nc.close()


async def test_graceful_shutdown_finishes_an_in_flight_request(
    nats_server: NatsServer, dev_credentials: DevCredentials
) -> None:
    service = await start_orchestrator(nats_server.url, dev_credentials)
    broker = make_broker(nats_server.url)
    await broker.connect()
    bus = BusClient(broker, timeout=5)
    over_nats = asyncio.create_task(
        bus.call(
            "frontdesk.orchestrator.ListCalls",
            orchestrator_pb2.ListCallsRequest(page_size=800),
            orchestrator_pb2.ListCallsResponse,
        )
    )
    channel = service.channel()
    stub = orchestrator_pb2_grpc.OrchestratorStub(channel)

    async def call_over_grpc() -> orchestrator_pb2.ListCallsResponse:
        return await stub.ListCalls(orchestrator_pb2.ListCallsRequest(page_size=800))

    over_grpc = asyncio.create_task(call_over_grpc())
    await asyncio.sleep(0.3)  # both requests are in flight
    await service.shutdown()
    assert await over_nats == orchestrator_pb2.ListCallsResponse()
    assert await over_grpc == orchestrator_pb2.ListCallsResponse()
    assert service.servicer.finished == ["ListCalls", "ListCalls"]
    await channel.close()
    await broker.stop()


async def test_shutdown_lets_a_stream_in_flight_finish_and_then_answers_no_responders(
    nats_server: NatsServer, dev_credentials: DevCredentials
) -> None:
    """A version being removed (a canary aborted) finishes the turn it is streaming; the next
    request for that version finds no responder, which the gateway answers by re-claiming."""
    service = await start_orchestrator(nats_server.url, dev_credentials)
    broker = make_broker(nats_server.url)
    await broker.connect()
    bus = BusClient(broker, timeout=10)
    subject = "frontdesk.orchestrator.v-test.Turn"

    async def words(text: str) -> list[str]:
        stream = bus.stream(
            subject,
            orchestrator_pb2.TurnRequest(call_id="c", turn_id="t", text=text),
            orchestrator_pb2.TurnEvent,
        )
        return [event.say.text async for event in stream]

    try:
        in_flight = asyncio.create_task(words("first sleep3 last"))
        await asyncio.sleep(0.3)  # "first" is out, the stream sleeps mid-reply
        await service.shutdown()
        assert await in_flight == ["first", "sleep3", "last"]
        with pytest.raises(Unavailable):
            await words("anyone there")
    finally:
        await broker.stop()
