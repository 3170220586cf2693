"""The scheduler as it runs (real NATS, real PostgreSQL, gRPC and NATS transports): a client
that claims a verified patient, or presents another call's proof, is refused with
PERMISSION_DENIED, the refusal is on the hash-chained ``audit`` stream, and nothing changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message

from frontdesk.v1 import common_pb2, events_pb2, scheduler_pb2, scheduler_pb2_grpc
from scheduler_adapter.app import DEFINITION, SchedulerSettings, build
from servicekit import Runtime, Serving, serve
from servicekit.audit import read_stream, verify_stream
from servicekit.errors import PermissionDenied, ServiceError
from servicekit.testing import ClientKind, DevCredentials, NatsServer

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

MARIA = "pat-demo-01"
SEEDED = "appt-demo-seed-1"
Call = Callable[[str, Message, type[Message]], Awaitable[Any]]


@dataclass
class Running:
    runtime: Runtime
    serving: Serving


@pytest.fixture
async def scheduler(
    nats_server: NatsServer, postgres_url: str, dev_credentials: DevCredentials
) -> AsyncIterator[Running]:
    config = SchedulerSettings(
        **dev_credentials.settings(),
        nats_url=nats_server.url,
        grpc_port=-1,
        metrics_port=-2,
        version="v-test",
        shutdown_grace=1.0,
        scheduler_database_url=postgres_url,
        scheduler_seed_demo=True,
    )
    runtime = await Runtime.start("scheduler_adapter", config, with_flags=False)
    built = await build(runtime, config)
    stop = asyncio.Event()
    ready: asyncio.Future[Serving] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve(runtime, DEFINITION, built.servicer, stop=stop, on_ready=ready.set_result)
    )
    serving = await asyncio.wait_for(ready, 20)
    yield Running(runtime, serving)
    stop.set()
    await asyncio.wait_for(task, 20)
    if built.close is not None:
        await built.close()


@pytest.fixture(params=["nats", "grpc"])
async def call(
    request: pytest.FixtureRequest, scheduler: Running, dev_credentials: DevCredentials
) -> AsyncIterator[Call]:
    """A client of the scheduler over one transport: call(method, request, response type)."""
    if request.param == "nats":

        async def over_nats(method: str, message: Message, reply: type[Message]) -> Any:
            return await scheduler.runtime.bus.call(
                f"frontdesk.scheduler_adapter.{method}", message, reply
            )

        yield over_nats
        return
    # As another service would call it: TLS and a service token.
    service = dev_credentials.client(ClientKind.SERVICE)
    channel = service.channel(f"127.0.0.1:{scheduler.serving.grpc_port}")
    stub = scheduler_pb2_grpc.SchedulerStub(channel)

    async def over_grpc(method: str, message: Message, reply: type[Message]) -> Any:
        try:
            return await getattr(stub, method)(message)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.PERMISSION_DENIED:
                raise PermissionDenied(error.details() or "") from None
            raise ServiceError(f"{error.code().name}: {error.details()}") from None

    yield over_grpc
    await channel.close()


def ctx(call_id: str, proof: str = "", claim: str = "") -> common_pb2.CallContext:
    return common_pb2.CallContext(
        call_id=call_id,
        clinic_id="demo",
        actor="intruder",
        verified_patient_id=claim,
        verification_proof=proof,
    )


async def appointments(call: Call, context: common_pb2.CallContext) -> list[str]:
    listed = await call(
        "ListAppointments",
        scheduler_pb2.ListAppointmentsRequest(context=context, patient_id=MARIA),
        scheduler_pb2.ListAppointmentsResponse,
    )
    return [a.appointment_id for a in listed.appointments]


async def test_forged_or_borrowed_verification_is_refused_audited_and_changes_nothing(
    call: Call, scheduler: Running
) -> None:
    maria = await call(
        "VerifyIdentity",
        scheduler_pb2.VerifyIdentityRequest(
            context=ctx("call-maria"), full_name="Maria Lopez", date_of_birth="1980-03-03"
        ),
        scheduler_pb2.VerifyIdentityResponse,
    )
    assert maria.verified and maria.proof

    forged = ctx("call-evil", claim=MARIA)
    borrowed = ctx("call-evil", proof=maria.proof, claim=MARIA)
    for context, why in ((forged, "no verification proof"), (borrowed, "another call")):
        with pytest.raises(PermissionDenied, match=why):
            await appointments(call, context)
        with pytest.raises(PermissionDenied, match=why):
            await call(
                "Cancel",
                scheduler_pb2.CancelRequest(
                    context=context, patient_id=MARIA, appointment_id=SEEDED
                ),
                common_pb2.Appointment,
            )

    # Nothing changed: Maria's own call still sees her appointment booked.
    assert await appointments(call, ctx("call-maria", proof=maria.proof)) == [SEEDED]

    records, _ = await read_stream(scheduler.runtime.js)
    audit = []
    for stored in records:
        record = events_pb2.AuditRecord()
        record.ParseFromString(stored.data)
        audit.append(record)
    denied = [(r.action, r.call_id, r.patient_id) for r in audit if r.result == "denied"]
    assert (
        denied
        == [
            ("list_appointments", "call-evil", MARIA),
            ("cancel", "call-evil", MARIA),
        ]
        * 2
    )
    assert all(r.detail for r in audit if r.result == "denied")
    assert not any(maria.proof in stored.data.decode("latin-1") for stored in records)
    report = await verify_stream(scheduler.runtime.js)
    assert report.intact and report.records == len(audit) == 6
