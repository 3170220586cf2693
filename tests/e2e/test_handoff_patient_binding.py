"""A handoff names a patient only with the call's verification proof for that patient, checked
by the scheduler (Scheduler.CheckVerification), whichever transport the Create came over and
whoever sent it. Every service connects to NATS as its own user."""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import pytest
from nats.aio.client import Client as NATS

from callsim.client import Call
from frontdesk.v1 import common_pb2, events_pb2, handoff_pb2, handoff_pb2_grpc
from servicekit import BusClient, make_broker
from servicekit.audit import read_stream
from servicekit.errors import PermissionDenied
from servicekit.jetstream import SESSIONS_BUCKET, session_key
from servicekit.natsauth import connect_options
from servicekit.permissions import ClientKind
from servicekit.settings import ServiceSettings
from servicekit.testing import SecuredNats

from .stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

CALL = "bound-call-1"
JAMES = "pat-demo-02"
MARIA = "pat-demo-01"


def _create(call_id: str, patient_id: str, proof: str) -> handoff_pb2.CreateHandoffRequest:
    return handoff_pb2.CreateHandoffRequest(
        context=common_pb2.CallContext(call_id=call_id, clinic_id="demo", verification_proof=proof),
        packet=handoff_pb2.HandoffPacket(
            call_id=call_id,
            clinic_id="demo",
            caller_name="Someone Else",
            patient_id=patient_id,
            identity_verified=True,
            reason=common_pb2.HANDOFF_REASON_CALLER_REQUEST,
            urgency=common_pb2.URGENCY_SOON,
            summary="wants a person",
        ),
    )


async def _proof(nats: SecuredNats) -> str:
    nc = NATS()
    await nc.connect(nats.url, user="admin", password=nats.credentials.nats_password("admin"))
    try:
        kv = await nc.jetstream().key_value(SESSIONS_BUCKET)
        entry = await kv.get(session_key(CALL))
        return str(json.loads(entry.value or b"{}")["verification_proof"])
    finally:
        await nc.close()


async def test_a_handoff_names_only_the_patient_the_call_proved(
    secured_nats: SecuredNats, tmp_path: Path
) -> None:
    async with Stack.start(
        secured_nats.url, state_dir=tmp_path, nats_users=secured_nats.credentials
    ) as stack:
        async with (
            stack.channel("gateway") as channel,
            Call.open(
                channel, call_id=CALL, from_number="+15550100202", to_number="+15550100100"
            ) as call,
        ):
            await call.reply()
            await call.reply(asked=await call.say("When is my next appointment?"))
            await call.reply(asked=await call.say("James Smith"))
            await call.reply(asked=await call.dtmf("07141975"))
            proof = await _proof(secured_nats)
            assert proof

            # Forged over gRPC with a service token: no proof, James's proof claiming Maria,
            # James's proof on another call. Each refused; nothing created.
            async with stack.channel("handoff", ClientKind.SERVICE) as handoff_channel:
                stub = handoff_pb2_grpc.HandoffStub(handoff_channel)
                for forged in (
                    _create("forged-1", MARIA, ""),
                    _create(CALL, MARIA, proof),
                    _create("forged-2", JAMES, proof),
                ):
                    with pytest.raises(grpc.aio.AioRpcError) as refused:
                        await stub.Create(forged)
                    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
                    assert "verification proof" in (refused.value.details() or "")

            # The same over NATS, as the orchestrator's own user (the only one allowed to ask).
            settings = ServiceSettings(**secured_nats.settings("orchestrator"))
            broker = make_broker(settings.nats_url, credentials=connect_options(settings))
            await broker.connect()
            try:
                with pytest.raises(PermissionDenied, match="verification proof"):
                    await BusClient(broker).call(
                        "frontdesk.handoff.Create",
                        _create(CALL, MARIA, proof),
                        handoff_pb2.CreateHandoffResponse,
                    )
            finally:
                await broker.stop()

            # The call itself asks for a person: its handoff names James, proven.
            await call.reply(asked=await call.say("Can I talk to a real person please?"))
            await call.drain(0.5)

        async with stack.channel("handoff", ClientKind.AGENT_DESK) as desk:
            listed = await handoff_pb2_grpc.HandoffStub(desk).List(
                handoff_pb2.ListHandoffsRequest(
                    states=[handoff_pb2.HANDOFF_STATE_OPEN, handoff_pb2.HANDOFF_STATE_CALLBACK]
                )
            )
        packets = [(p.call_id, p.patient_id, p.identity_verified) for p in listed.handoffs]
        assert packets == [(CALL, JAMES, True)]

        nc = NATS()
        await nc.connect(
            secured_nats.url,
            user="admin",
            password=secured_nats.credentials.nats_password("admin"),
        )
        try:
            audit_stored, _ = await read_stream(nc.jetstream())
        finally:
            await nc.close()
    checks = []
    for stored in audit_stored:
        record = events_pb2.AuditRecord()
        record.ParseFromString(stored.data)
        if record.action == "check_verification":
            checks.append((record.call_id, record.patient_id, record.result))
    assert checks == [
        ("forged-1", MARIA, "denied"),
        (CALL, MARIA, "denied"),
        ("forged-2", JAMES, "denied"),
        (CALL, MARIA, "denied"),
        (CALL, JAMES, "ok"),
    ]
