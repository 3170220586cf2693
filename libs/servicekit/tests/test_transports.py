"""The same servicer over gRPC and over NATS, against a real nats-server."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from frontdesk.v1 import orchestrator_pb2, orchestrator_pb2_grpc
from servicekit import BusClient, make_broker
from servicekit.errors import DeadlineExceeded, Internal, NotFound, Unavailable
from servicekit.testing import NatsServer

from .conftest import RunningService

pytestmark = pytest.mark.nats


async def _bus(url: str) -> BusClient:
    broker = make_broker(url)
    await broker.connect()
    return BusClient(broker, timeout=2.0)


async def test_unary_answers_the_same_over_grpc_and_nats(
    orchestrator: RunningService, nats_server: NatsServer
) -> None:
    request = orchestrator_pb2.ClaimRequest(call_id="c1", clinic_id="demo")
    async with orchestrator.channel() as channel:
        over_grpc = await orchestrator_pb2_grpc.OrchestratorStub(channel).Claim(request)
    bus = await _bus(nats_server.url)
    over_nats = await bus.call(
        "frontdesk.orchestrator.Claim", request, orchestrator_pb2.ClaimResponse
    )
    assert (
        over_grpc == over_nats == orchestrator_pb2.ClaimResponse(version="v-test", clinic_id="demo")
    )


async def test_streaming_over_nats_and_grpc(
    orchestrator: RunningService, nats_server: NatsServer
) -> None:
    request = orchestrator_pb2.TurnRequest(call_id="c1", text="one two three")
    bus = await _bus(nats_server.url)
    # Turn is versioned: only frontdesk.orchestrator.<version>.Turn serves it.
    chunks = [
        event.say.text
        async for event in bus.stream(
            "frontdesk.orchestrator.v-test.Turn", request, orchestrator_pb2.TurnEvent
        )
    ]
    assert chunks == ["one", "two", "three"]
    async with orchestrator.channel() as channel:
        stub = orchestrator_pb2_grpc.OrchestratorStub(channel)
        over_grpc = [event.say.text async for event in stub.Turn(request)]
    assert over_grpc == chunks


async def test_stream_error_after_some_chunks_raises_the_remote_status(
    orchestrator: RunningService, nats_server: NatsServer
) -> None:
    bus = await _bus(nats_server.url)
    received = []
    with pytest.raises(NotFound, match="no such word: FAIL"):
        async for event in bus.stream(
            "frontdesk.orchestrator.v-test.Turn",
            orchestrator_pb2.TurnRequest(text="fine FAIL never"),
            orchestrator_pb2.TurnEvent,
        ):
            received.append(event.say.text)
    assert received == ["fine"]


async def test_remote_error_keeps_status_and_message_on_both_transports(
    orchestrator: RunningService, nats_server: NatsServer
) -> None:
    bus = await _bus(nats_server.url)
    with pytest.raises(NotFound, match="no session for call 'x'"):
        await bus.call(
            "frontdesk.orchestrator.GetSession",
            orchestrator_pb2.GetSessionRequest(call_id="x"),
            orchestrator_pb2.Session,
        )
    async with orchestrator.channel() as channel:
        stub = orchestrator_pb2_grpc.OrchestratorStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.GetSession(orchestrator_pb2.GetSessionRequest(call_id="x"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert caught.value.details() == "no session for call 'x'"


async def test_unexpected_exception_is_internal_without_its_text(
    orchestrator: RunningService, nats_server: NatsServer
) -> None:
    bus = await _bus(nats_server.url)
    with pytest.raises(Internal) as caught:
        await bus.call(
            "frontdesk.orchestrator.Claim",
            orchestrator_pb2.ClaimRequest(clinic_id="boom"),
            orchestrator_pb2.ClaimResponse,
        )
    assert "Maria" not in caught.value.message  # exception text may carry PHI: never sent back


async def test_no_responders_is_unavailable(nats_server: NatsServer) -> None:
    bus = await _bus(nats_server.url)
    with pytest.raises(Unavailable, match="no service is answering"):
        await bus.call(
            "frontdesk.orchestrator.Claim",
            orchestrator_pb2.ClaimRequest(),
            orchestrator_pb2.ClaimResponse,
        )
    with pytest.raises(Unavailable):
        async for _ in bus.stream(
            "frontdesk.orchestrator.gone.Turn",
            orchestrator_pb2.TurnRequest(),
            orchestrator_pb2.TurnEvent,
        ):
            pass


async def test_deadline_exceeded_on_client_and_enforced_on_server(
    orchestrator: RunningService, nats_server: NatsServer
) -> None:
    bus = await _bus(nats_server.url)
    with pytest.raises(DeadlineExceeded):
        await bus.call(
            "frontdesk.orchestrator.ListCalls",
            orchestrator_pb2.ListCallsRequest(page_size=1500),  # sleeps 1.5 s
            orchestrator_pb2.ListCallsResponse,
            timeout=0.2,
        )
    await asyncio.sleep(1.6)
    # The server gave up at the deadline too, instead of finishing work nobody waits for.
    assert orchestrator.servicer.finished == []
    # Within its deadline the same call completes.
    await bus.call(
        "frontdesk.orchestrator.ListCalls",
        orchestrator_pb2.ListCallsRequest(page_size=10),
        orchestrator_pb2.ListCallsResponse,
        timeout=2,
    )
    assert orchestrator.servicer.finished == ["ListCalls"]


async def test_malformed_request_is_invalid_argument(
    orchestrator: RunningService, nats_server: NatsServer
) -> None:
    bus = await _bus(nats_server.url)
    reply = await bus._broker.request(b"\xff\xff\xff", "frontdesk.orchestrator.Claim", timeout=2)
    assert reply.headers["Frontdesk-Status"] == "INVALID_ARGUMENT"
    assert "frontdesk.v1.ClaimRequest" in reply.headers["Frontdesk-Message"]


async def test_health_and_reflection(orchestrator: RunningService) -> None:
    async with orchestrator.channel() as channel:
        health = health_pb2_grpc.HealthStub(channel)
        reply = await health.Check(
            health_pb2.HealthCheckRequest(service="frontdesk.v1.Orchestrator")
        )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

        stub = reflection_pb2_grpc.ServerReflectionStub(channel)

        async def one() -> list[str]:
            responses = stub.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")])
            )
            async for response in responses:
                return [s.name for s in response.list_services_response.service]
            return []

        assert "frontdesk.v1.Orchestrator" in await one()
