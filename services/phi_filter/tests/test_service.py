"""The whole service as it runs: build() wired to a real Runtime, served over gRPC and NATS, with
the leak detector started beside it and stopped on shutdown."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from frontdesk.v1 import common_pb2, events_pb2, phi_pb2, phi_pb2_grpc
from phi_filter.app import DEFINITION, PhiFilterSettings, build
from servicekit import Runtime, Serving, serve
from servicekit.errors import InvalidArgument
from servicekit.events import EventPublisher
from servicekit.settings import ServiceSettings
from servicekit.testing import ClientKind, DevCredentials, NatsServer

pytestmark = pytest.mark.nats

TEXT = (
    "hi, this is Maria Lopez. My date of birth is March 3 1980.\n"
    "Call me back at 555-012-3456, or ask Dr. Patel. Thanks!"
)


@dataclass
class Running:
    runtime: Runtime
    serving: Serving
    stop: asyncio.Event
    task: asyncio.Task[None]
    credentials: DevCredentials

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.serving.grpc_port}"

    def channel(self) -> grpc.aio.Channel:
        """A channel as another service (TLS, service token)."""
        return self.credentials.client(ClientKind.SERVICE).channel(self.target)


@pytest.fixture
async def service(
    nats_server: NatsServer,
    tmp_path: Path,
    settings: ServiceSettings,
    dev_credentials: DevCredentials,
) -> AsyncIterator[Running]:
    config = PhiFilterSettings(
        nats_url=nats_server.url,
        grpc_port=-1,
        metrics_port=-2,
        version="v-test",
        clinics_dir=settings.clinics_dir,
        shutdown_grace=1.0,
        leak_scan_log_files=str(tmp_path / "svc.log"),
        max_text_bytes=4096,
        **dev_credentials.settings(),
    )
    runtime = await Runtime.start("phi_filter", config)  # real flags from gitops/flags
    built = await build(runtime, config)
    stop = asyncio.Event()
    ready: asyncio.Future[Serving] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve(
            runtime,
            DEFINITION,
            built.servicer,
            stop=stop,
            on_ready=ready.set_result,
            draining=built.draining,
        )
    )
    serving = await asyncio.wait_for(ready, 10)
    yield Running(runtime, serving, stop, task, dev_credentials)
    stop.set()
    await asyncio.wait_for(task, 20)
    if built.close is not None:
        await built.close()


async def test_redact_stream_over_grpc_equals_redact_of_the_whole(service: Running) -> None:
    known = common_pb2.KnownIdentity(names=["Maria Lopez"], date_of_birth="1980-03-03")
    async with service.channel() as channel:
        stub = phi_pb2_grpc.PhiFilterStub(channel)
        whole = await stub.Redact(phi_pb2.RedactRequest(text=TEXT, known=known))

        async def chunks() -> AsyncIterator[phi_pb2.RedactStreamRequest]:
            yield phi_pb2.RedactStreamRequest(chunk=TEXT[:5], known=known)
            for i in range(5, len(TEXT), 9):
                yield phi_pb2.RedactStreamRequest(chunk=TEXT[i : i + 9])

        outputs = [r.text async for r in stub.RedactStream(chunks())]
    assert "".join(outputs) == whole.text
    assert len(outputs) >= 3  # sentence by sentence, not all at the end
    assert "Dr. Patel" in whole.text
    for value in ("Maria", "Lopez", "1980", "555-012-3456"):
        assert value not in whole.text


async def test_invalid_argument_over_grpc(service: Running) -> None:
    async with service.channel() as channel:
        stub = phi_pb2_grpc.PhiFilterStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.Redact(phi_pb2.RedactRequest(text="x" * 5000))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "limit is 4096 bytes" in (caught.value.details() or "")


async def test_redact_and_scan_over_nats_use_the_flag_and_count(service: Running) -> None:
    response = await service.runtime.bus.call(
        "frontdesk.phi_filter.Redact",
        phi_pb2.RedactRequest(text="my code is 4821 ok, I'm Maria Lopez"),
        phi_pb2.RedactResponse,
    )
    # enhanced_phi_redaction is on in gitops/flags: unspecified mode means strict.
    assert response.text == "my code is [ID] ok, I'm [NAME]"
    registry = service.runtime.metrics.registry
    for entity in ("ID", "NAME"):
        value = registry.get_sample_value(
            "frontdesk_phi_redactions_total", {"version": "v-test", "entity": entity}
        )
        assert value == 1, entity
    scan = await service.runtime.bus.call(
        "frontdesk.phi_filter.Scan", phi_pb2.ScanRequest(text=response.text), phi_pb2.ScanResponse
    )
    assert scan.clean
    with pytest.raises(InvalidArgument):
        await service.runtime.bus.call(
            "frontdesk.phi_filter.Redact",
            phi_pb2.RedactRequest(text="x" * 5000),
            phi_pb2.RedactResponse,
        )
    assert "frontdesk.phi_filter.RedactStream" not in service.serving.nats_subjects


async def test_the_leak_detector_runs_with_the_service(
    service: Running, scrub: Callable[[str], str], tmp_path: Path
) -> None:
    runtime = service.runtime
    turn = events_pb2.TurnCompleted(call_id="call-e2e", caller_text=TEXT)
    await EventPublisher(runtime.js, scrub).event("turn_completed", turn)  # clean
    await EventPublisher(runtime.js).event("turn_completed", turn)  # leaks
    with (tmp_path / "svc.log").open("a") as log:
        log.write(json.dumps({"message": "lookup for 555-012-3456 failed"}) + "\n")

    def leaks(origin: str, entity: str) -> float:
        value = runtime.metrics.registry.get_sample_value(
            "frontdesk_phi_leaks_total", {"version": "v-test", "origin": origin, "entity": entity}
        )
        return value or 0.0

    turns = "events:frontdesk.events.turn_completed"
    deadline = asyncio.get_running_loop().time() + 5
    while not (leaks(turns, "PHONE") and leaks("log:svc.log", "PHONE")):
        assert asyncio.get_running_loop().time() < deadline, "no leak counted"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    assert leaks(turns, "PHONE") == 1  # the scrubbed copy counted nothing
    assert leaks(turns, "NAME") == 1
