"""A small test service built on the real Orchestrator and Scheduler contracts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from frontdesk.v1 import (
    orchestrator_pb2,
    orchestrator_pb2_grpc,
    scheduler_pb2,
    scheduler_pb2_grpc,
)
from servicekit import BusClient, Runtime, ServiceDefinition, ServiceSettings, Serving, serve
from servicekit.errors import NotFound
from servicekit.testing import ClientKind, DevCredentials, NatsServer

ORCHESTRATOR = ServiceDefinition(
    name="orchestrator",
    descriptor=orchestrator_pb2.DESCRIPTOR.services_by_name["Orchestrator"],
    add_to_server=orchestrator_pb2_grpc.add_OrchestratorServicer_to_server,
    versioned_methods=("Turn",),
)
SCHEDULER = ServiceDefinition(
    name="scheduler_adapter",
    descriptor=scheduler_pb2.DESCRIPTOR.services_by_name["Scheduler"],
    add_to_server=scheduler_pb2_grpc.add_SchedulerServicer_to_server,
)


class EchoOrchestrator(orchestrator_pb2_grpc.OrchestratorServicer):
    """Claim echoes; Turn streams the words of the text; GetSession: NotFound; ListCalls sleeps
    for ``page_size`` ms (deadline tests); Claim with clinic "ask-scheduler" calls the scheduler."""

    def __init__(self, bus: BusClient | None = None) -> None:
        self.bus = bus
        self.finished: list[str] = []

    async def Claim(self, request: Any, context: Any) -> orchestrator_pb2.ClaimResponse:
        clinic = request.clinic_id
        if clinic == "ask-scheduler" and self.bus is not None:
            slots = await self.bus.call(
                "frontdesk.scheduler_adapter.FindSlots",
                scheduler_pb2.FindSlotsRequest(appointment_type="checkup"),
                scheduler_pb2.FindSlotsResponse,
            )
            clinic = slots.slots[0].provider_name
        if clinic == "boom":
            raise RuntimeError("a bug with patient Maria in it")
        return orchestrator_pb2.ClaimResponse(version="v-test", clinic_id=clinic)

    async def Turn(self, request: Any, context: Any) -> AsyncIterator[orchestrator_pb2.TurnEvent]:
        words = request.text.split()
        for index, word in enumerate(words):
            if word == "FAIL":
                raise NotFound("no such word: FAIL")
            if word.startswith("sleep"):
                await asyncio.sleep(float(word.removeprefix("sleep")))
            yield orchestrator_pb2.TurnEvent(
                say=orchestrator_pb2.Say(text=word, last=index == len(words) - 1)
            )

    async def GetSession(self, request: Any, context: Any) -> orchestrator_pb2.Session:
        raise NotFound(f"no session for call {request.call_id!r}")

    async def ListCalls(self, request: Any, context: Any) -> orchestrator_pb2.ListCallsResponse:
        await asyncio.sleep(request.page_size / 1000)
        self.finished.append("ListCalls")
        return orchestrator_pb2.ListCallsResponse()


class OneSlotScheduler(scheduler_pb2_grpc.SchedulerServicer):
    async def FindSlots(self, request: Any, context: Any) -> scheduler_pb2.FindSlotsResponse:
        from frontdesk.v1 import common_pb2

        return scheduler_pb2.FindSlotsResponse(
            slots=[common_pb2.Slot(slot_id="s1", provider_name="Dr. Test")]
        )


class RunningService:
    """A service served in the test's event loop, stopped at the end."""

    def __init__(
        self,
        runtime: Runtime,
        task: asyncio.Task[None],
        stop: asyncio.Event,
        serving: Serving,
        servicer: Any,
        credentials: DevCredentials | None,
    ) -> None:
        self.credentials = credentials
        self.runtime = runtime
        self.servicer = servicer
        self.task = task
        self.stop = stop
        self.serving = serving

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.serving.grpc_port}"

    def channel(self, kind: ClientKind | str = ClientKind.ADMIN) -> grpc.aio.Channel:
        """A channel to the service as a client of ``kind`` (plaintext when insecure)."""
        if self.credentials is None:
            return grpc.aio.insecure_channel(self.grpc_target)
        return self.credentials.client(kind).channel(self.grpc_target)

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 20)


async def start_service(
    name: str,
    definition: ServiceDefinition,
    make_servicer: Any,
    nats_url: str,
    *,
    exporter: InMemorySpanExporter | None = None,
    version: str = "v-test",
    grace: float = 5.0,
    credentials: DevCredentials | None = None,
    **overrides: Any,
) -> RunningService:
    """``credentials`` None means explicitly insecure (for tests where auth is irrelevant)."""
    security = credentials.settings() if credentials else {"insecure": True}
    settings = ServiceSettings(
        nats_url=nats_url,
        grpc_port=-1,
        metrics_port=-2,
        version=version,
        shutdown_grace=grace,
        **{**security, **overrides},
    )
    runtime = await Runtime.start(
        name, settings, span_exporters=[exporter] if exporter else [], with_flags=False
    )
    stop = asyncio.Event()
    ready: asyncio.Future[Serving] = asyncio.get_running_loop().create_future()
    servicer = make_servicer(runtime)
    task = asyncio.create_task(
        serve(runtime, definition, servicer, stop=stop, on_ready=ready.set_result)
    )
    serving = await asyncio.wait_for(ready, 10)
    return RunningService(runtime, task, stop, serving, servicer, credentials)


async def start_orchestrator(
    nats_url: str, credentials: DevCredentials | None = None, **overrides: Any
) -> RunningService:
    """The echo orchestrator (``credentials`` None: explicitly insecure)."""
    return await start_service(
        "orchestrator",
        ORCHESTRATOR,
        lambda rt: EchoOrchestrator(rt.bus),
        nats_url,
        credentials=credentials,
        **overrides,
    )


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    memory = InMemorySpanExporter()
    yield memory
    memory.clear()


@pytest.fixture
async def orchestrator(
    nats_server: NatsServer, dev_credentials: DevCredentials
) -> AsyncIterator[RunningService]:
    service = await start_orchestrator(nats_server.url, dev_credentials)
    yield service
    await service.shutdown()
