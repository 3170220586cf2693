"""The gateway for real: served by servicekit on a free gRPC port, talking to a scripted
orchestrator served over a real nats-server; a gRPC client speaks CallGateway.Converse."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from faststream.nats import NatsBroker

from frontdesk.v1 import gateway_pb2, gateway_pb2_grpc, orchestrator_pb2
from gateway.app import DEFINITION, GatewaySettings, build
from gateway.switchboard import BUSY_MESSAGE
from gateway.tests.fakes import FakeOrchestratorServicer
from gateway.tests.support import DEMO_DESK, VERSION, sample
from servicekit import Runtime, Serving, bind_servicer, make_broker
from servicekit.app import Built, Service, run
from servicekit.testing import ClientKind, DevCredentials, NatsServer

pytestmark = pytest.mark.nats

GREETING = "Hello, how can I help?"


# --- the scripted orchestrator over NATS ----------------------------------------------------


@dataclass
class FakeOrchestrator:
    servicer: FakeOrchestratorServicer
    broker: NatsBroker

    async def stop(self) -> None:
        await self.broker.stop()


async def start_orchestrator(url: str, version: str) -> FakeOrchestrator:
    servicer = FakeOrchestratorServicer(version)
    broker = make_broker(url, name=f"orchestrator-{version}")
    bind_servicer(
        broker,
        "orchestrator",
        orchestrator_pb2.DESCRIPTOR.services_by_name["Orchestrator"],
        servicer,
        version=version,
        versioned_methods=("Turn",),
    )
    await broker.connect()
    await broker.start()
    return FakeOrchestrator(servicer, broker)


# --- the gateway, served for real -----------------------------------------------------------


@dataclass
class RunningGateway:
    runtime: Runtime
    serving: Serving
    stop: asyncio.Event
    task: asyncio.Task[None]
    credentials: DevCredentials

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.serving.grpc_port}"

    def channel(self) -> grpc.aio.Channel:
        """A channel as the telephony side (TLS, telephony token)."""
        return self.credentials.client(ClientKind.TELEPHONY).channel(self.target)

    def sample(self, name: str, **labels: str) -> float:
        return sample(self.runtime.metrics, name, **labels)

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 20)


async def start_gateway(
    nats_url: str, credentials: DevCredentials, **overrides: Any
) -> RunningGateway:
    runtimes: list[Runtime] = []

    def build_and_keep(runtime: Runtime, settings: GatewaySettings) -> Built:
        runtimes.append(runtime)
        return build(runtime, settings)

    settings = GatewaySettings(
        nats_url=nats_url,
        grpc_port=-1,
        relay_port=-1,  # any free port: tests run beside other stacks
        metrics_port=-2,
        version=VERSION,
        shutdown_grace=2,
        **{**credentials.settings(), **overrides},
    )
    stop = asyncio.Event()
    ready: asyncio.Future[Serving] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run(
            Service(DEFINITION, GatewaySettings, build_and_keep),
            settings,
            stop=stop,
            on_ready=ready.set_result,
        )
    )
    serving = await asyncio.wait_for(ready, 10)
    return RunningGateway(runtimes[0], serving, stop, task, credentials)


@pytest.fixture
async def v1(nats_server: NatsServer) -> AsyncIterator[FakeOrchestrator]:
    orchestrator = await start_orchestrator(nats_server.url, "v1")
    yield orchestrator
    await orchestrator.stop()


@pytest.fixture
async def gateway(
    nats_server: NatsServer, v1: FakeOrchestrator, dev_credentials: DevCredentials
) -> AsyncIterator[RunningGateway]:
    running = await start_gateway(nats_server.url, dev_credentials)
    yield running
    if not running.task.done():
        await running.shutdown()


# --- a telephony client ---------------------------------------------------------------------


class PhoneCall:
    """One Converse stream, as a telephony gateway drives it."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.rpc = gateway_pb2_grpc.CallGatewayStub(channel).Converse()

    async def send(self, **message: Any) -> None:
        await self.rpc.write(gateway_pb2.ConverseRequest(**message))

    async def setup(self, call_id: str = "call-1") -> None:
        await self.send(
            setup=gateway_pb2.Setup(
                call_id=call_id, from_number="+15550109999", to_number="+15550100100"
            )
        )

    async def say(self, text: str) -> None:
        await self.send(prompt=gateway_pb2.Prompt(text=text, last=True, language="en-US"))

    async def read(self, timeout: float = 5.0) -> gateway_pb2.ConverseResponse | None:
        response = await asyncio.wait_for(self.rpc.read(), timeout)
        if response is grpc.aio.EOF:
            return None
        assert isinstance(response, gateway_pb2.ConverseResponse)
        return response

    async def reply(self, timeout: float = 5.0) -> str:
        tokens = []
        while True:
            response = await self.read(timeout)
            assert response is not None and response.WhichOneof("message") == "text", response
            tokens.append(response.text.token)
            if response.text.last:
                return "".join(tokens)

    async def rest(self) -> list[gateway_pb2.ConverseResponse]:
        responses = []
        while (response := await self.read()) is not None:
            responses.append(response)
        return responses


@pytest.fixture
async def channel(gateway: RunningGateway) -> AsyncIterator[grpc.aio.Channel]:
    async with gateway.channel() as opened:
        yield opened


async def eventually(check: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


# --- tests ------------------------------------------------------------------------------------


async def test_greeting_and_a_turn_over_grpc_and_nats(
    gateway: RunningGateway, channel: grpc.aio.Channel, v1: FakeOrchestrator
) -> None:
    call = PhoneCall(channel)
    await call.setup()
    assert await call.reply() == GREETING
    await call.say("book a checkup")
    assert await call.reply() == "[v1] you said: book a checkup"
    (claim,) = v1.servicer.claims
    assert (claim.call_id, claim.from_number, claim.to_number) == (
        "call-1",
        "+15550109999",
        "+15550100100",
    )
    assert v1.servicer.kinds() == ["start", "text"]
    assert [r.turn_id for r in v1.servicer.requests] == ["call-1-1", "call-1-2"]
    assert v1.servicer.requests[1].text == "book a checkup"
    assert gateway.sample("frontdesk_turn_latency_seconds_count", orchestrator_version="v1") == 1
    assert gateway.sample("frontdesk_turns_total", orchestrator_version="v1", outcome="ok") == 2
    await call.say("bye")
    responses = await call.rest()
    assert responses[-1].WhichOneof("message") == "end"
    assert json.loads(responses[-1].end.handoff_data) == {"outcome": "contained"}
    assert await call.rpc.code() == grpc.StatusCode.OK


async def test_transfer_reaches_the_telephony_side(
    gateway: RunningGateway, channel: grpc.aio.Channel
) -> None:
    call = PhoneCall(channel)
    await call.setup()
    await call.reply()
    await call.say("transfer")
    assert await call.reply() == "Connecting you."
    transfer, end = await call.rest()
    assert transfer.transfer.target == "sip:desk@clinic.example"
    assert transfer.transfer.handoff_id == "h-1"
    assert dict(transfer.transfer.handoff_data) == {"reason": "caller_request", "urgency": "soon"}
    assert json.loads(end.end.handoff_data) == {"outcome": "handoff", "handoff_id": "h-1"}
    await eventually(
        lambda: (
            gateway.sample("frontdesk_calls_total", orchestrator_version="v1", outcome="handoff")
            == 1
        )
    )


async def test_barge_in_cancels_the_turn_in_flight_remotely(
    gateway: RunningGateway, channel: grpc.aio.Channel, v1: FakeOrchestrator
) -> None:
    call = PhoneCall(channel)
    await call.setup()
    await call.reply()
    await call.say("slow")
    first = await call.read()
    assert first is not None and first.text.token == "Let me check."
    await call.send(
        interrupt=gateway_pb2.Interrupt(
            utterance_until_interrupt="Let me", duration_until_interrupt_ms=400
        )
    )
    assert await call.reply() == ""  # the cut reply is closed
    assert await call.reply() == "Sorry, go ahead."
    await eventually(lambda: v1.servicer.cancelled == ["call-1-2"])  # the remote turn stopped
    interrupted = v1.servicer.requests[-1]
    assert interrupted.WhichOneof("input") == "interrupted"
    assert interrupted.interrupted.turn_id == "call-1-2"
    assert interrupted.interrupted.heard_text == "Let me"
    assert (
        gateway.sample("frontdesk_turns_total", orchestrator_version="v1", outcome="interrupted")
        == 1
    )


async def test_dtmf_digits_arrive_as_one_turn(
    gateway: RunningGateway, channel: grpc.aio.Channel, v1: FakeOrchestrator
) -> None:
    call = PhoneCall(channel)
    await call.setup()
    await call.reply()
    for digit in "1980#":
        await call.send(dtmf=gateway_pb2.Dtmf(digit=digit))
    assert await call.reply() == "Got 1980."
    assert v1.servicer.kinds() == ["start", "dtmf"]
    assert v1.servicer.requests[-1].dtmf == "1980"


async def test_the_call_over_the_cap_is_refused_with_busy_transfer_and_end(
    nats_server: NatsServer, v1: FakeOrchestrator, dev_credentials: DevCredentials
) -> None:
    gateway = await start_gateway(nats_server.url, dev_credentials, max_concurrent_calls=2)
    try:
        async with gateway.channel() as channel:
            calls = [PhoneCall(channel) for _ in range(3)]
            for index, call in enumerate(calls[:2]):
                await call.setup(f"call-{index}")
                assert await call.reply() == GREETING
            await calls[2].setup("call-2")
            busy, transfer, end = await calls[2].rest()
            assert busy.text.token == BUSY_MESSAGE and busy.text.last
            assert transfer.transfer.target == DEMO_DESK
            assert json.loads(end.end.handoff_data) == {"outcome": "refused", "reason": "capacity"}
            assert await calls[2].rpc.code() == grpc.StatusCode.OK
            assert len(v1.servicer.claims) == 2
            assert (
                gateway.sample("frontdesk_calls_total", orchestrator_version="", outcome="refused")
                == 1
            )
            for call in calls[:2]:
                await call.send(hangup=gateway_pb2.Hangup(reason="caller"))
                await call.rest()
    finally:
        await gateway.shutdown()


async def test_the_call_moves_to_a_live_version_when_its_version_is_rolled_back(
    nats_server: NatsServer,
    gateway: RunningGateway,
    channel: grpc.aio.Channel,
    v1: FakeOrchestrator,
) -> None:
    call = PhoneCall(channel)
    await call.setup()
    assert await call.reply() == GREETING
    await v1.stop()  # v1 rolled back
    v2 = await start_orchestrator(nats_server.url, "v2")
    try:
        await call.say("are you there")
        assert await call.reply() == "[v2] you said: are you there"
        assert [r.turn_id for r in v2.servicer.requests] == ["call-1-2"]
        assert len(v2.servicer.claims) == 1
        await call.say("and now")
        assert await call.reply() == "[v2] you said: and now"  # pinned to v2 from now on
        assert len(v2.servicer.claims) == 1
        assert (
            gateway.sample("frontdesk_turn_latency_seconds_count", orchestrator_version="v2") == 2
        )
    finally:
        await v2.stop()


async def test_hangup_sends_ended_to_the_orchestrator(
    gateway: RunningGateway, channel: grpc.aio.Channel, v1: FakeOrchestrator
) -> None:
    call = PhoneCall(channel)
    await call.setup()
    await call.reply()
    await call.send(hangup=gateway_pb2.Hangup(reason="caller"))
    assert await call.rest() == []
    assert await call.rpc.code() == grpc.StatusCode.OK
    ended = v1.servicer.requests[-1]
    assert ended.WhichOneof("input") == "ended" and ended.ended.reason == "caller"
    await eventually(
        lambda: (
            gateway.sample("frontdesk_calls_total", orchestrator_version="v1", outcome="abandoned")
            == 1
        )
    )


async def test_a_cancelled_stream_still_tells_the_orchestrator(
    gateway: RunningGateway, channel: grpc.aio.Channel, v1: FakeOrchestrator
) -> None:
    call = PhoneCall(channel)
    await call.setup()
    await call.reply()
    call.rpc.cancel()
    await eventually(lambda: v1.servicer.kinds()[-1:] == ["ended"])
    # gRPC ends the request stream on cancel, so the gateway may see "closed" before "cancelled"
    assert v1.servicer.requests[-1].ended.reason in {"closed", "cancelled"}
    await eventually(
        lambda: (
            gateway.sample("frontdesk_calls_total", orchestrator_version="v1", outcome="abandoned")
            == 1
        )
    )


async def test_a_stream_that_does_not_start_with_setup_is_invalid(
    gateway: RunningGateway, channel: grpc.aio.Channel, v1: FakeOrchestrator
) -> None:
    call = PhoneCall(channel)
    await call.say("hello?")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call.read()
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "setup" in (caught.value.details() or "")
    assert v1.servicer.claims == []


async def test_graceful_drain_lets_a_live_call_finish(
    nats_server: NatsServer, v1: FakeOrchestrator, dev_credentials: DevCredentials
) -> None:
    gateway = await start_gateway(nats_server.url, dev_credentials, drain_timeout=10)
    async with gateway.channel() as channel:
        live = PhoneCall(channel)
        await live.setup("call-live")
        assert await live.reply() == GREETING
        gateway.stop.set()  # SIGTERM: health flips, the gateway drains
        await asyncio.sleep(0.2)
        assert not gateway.task.done()
        late = PhoneCall(channel)
        await late.setup("call-late")
        responses = await late.rest()
        assert json.loads(responses[-1].end.handoff_data)["reason"] == "draining"
        await live.say("one more thing")
        assert await live.reply() == "[v1] you said: one more thing"
        await live.say("bye")
        assert await live.reply() == "Goodbye!"
        end = await live.read()
        assert end is not None and json.loads(end.end.handoff_data) == {"outcome": "contained"}
        await asyncio.wait_for(gateway.task, 10)  # the gateway stops once the call is done
    assert [c.call_id for c in v1.servicer.claims] == ["call-live"]


async def test_drain_timeout_ends_live_calls_with_a_goodbye(
    nats_server: NatsServer, v1: FakeOrchestrator, dev_credentials: DevCredentials
) -> None:
    gateway = await start_gateway(nats_server.url, dev_credentials, drain_timeout=0.3)
    async with gateway.channel() as channel:
        live = PhoneCall(channel)
        await live.setup()
        await live.reply()
        gateway.stop.set()
        goodbye, end = await live.rest()
        assert goodbye.text.token.startswith("I'm sorry, we have to end this call")
        assert json.loads(end.end.handoff_data) == {"outcome": "error", "reason": "shutdown"}
        await asyncio.wait_for(gateway.task, 10)
    ended = v1.servicer.requests[-1]
    assert ended.ended.reason == "gateway_shutdown"
