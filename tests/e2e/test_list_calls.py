"""ListCalls on the running orchestrator, connected to NATS as its own user (so its permission
table must allow paging through the call index): the same pages over gRPC (TLS, admin token) and
over NATS request/reply."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.v1 import orchestrator_pb2, orchestrator_pb2_grpc
from servicekit import BusClient, make_broker
from servicekit.errors import InvalidArgument
from servicekit.natsauth import connect_options
from servicekit.permissions import ClientKind
from servicekit.settings import ServiceSettings
from servicekit.testing import SecuredNats

from .stack import SERVICES, Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


async def test_pages_over_grpc_and_nats_agree(secured_nats: SecuredNats, tmp_path: Path) -> None:
    async with Stack.start(
        secured_nats.url,
        state_dir=tmp_path,
        without=[name for name in SERVICES if name != "orchestrator"],
        nats_users=secured_nats.credentials,
    ) as stack:
        claimed = [f"listed-{i:02d}" for i in range(12)]
        async with stack.channel("orchestrator", ClientKind.SERVICE) as channel:
            stub = orchestrator_pb2_grpc.OrchestratorStub(channel)
            for call_id in claimed:
                await stub.Claim(orchestrator_pb2.ClaimRequest(call_id=call_id, clinic_id="demo"))

        async with stack.channel("orchestrator", ClientKind.ADMIN) as channel:
            stub = orchestrator_pb2_grpc.OrchestratorStub(channel)
            over_grpc: list[list[str]] = []
            token = ""
            while True:
                page = await stub.ListCalls(
                    orchestrator_pb2.ListCallsRequest(page_size=5, page_token=token)
                )
                over_grpc.append([s.call_id for s in page.sessions])
                token = page.next_page_token
                if not token:
                    break

        settings = ServiceSettings(**secured_nats.settings("admin"))
        broker = make_broker(settings.nats_url, credentials=connect_options(settings))
        await broker.connect()
        try:
            bus = BusClient(broker)
            over_nats: list[list[str]] = []
            token = ""
            while True:
                answer = await bus.call(
                    "frontdesk.orchestrator.ListCalls",
                    orchestrator_pb2.ListCallsRequest(
                        clinic_id="demo", page_size=5, page_token=token
                    ),
                    orchestrator_pb2.ListCallsResponse,
                )
                over_nats.append([s.call_id for s in answer.sessions])
                token = answer.next_page_token
                if not token:
                    break
            with pytest.raises(InvalidArgument, match="page_token"):
                await bus.call(
                    "frontdesk.orchestrator.ListCalls",
                    orchestrator_pb2.ListCallsRequest(page_token="forged"),
                    orchestrator_pb2.ListCallsResponse,
                )
        finally:
            await broker.stop()

    assert over_grpc == [claimed[0:5], claimed[5:10], claimed[10:12]]
    assert over_nats == over_grpc
