"""The whole stack carries the scheduler's verification proof: the orchestrator keeps it in the
call's session (not in the dialogue state) and attaches it to every patient-data request; it is
never logged, traced or published; it is dropped when the call ends; and a proof taken from a
session is worthless on any other call."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from callsim.client import Call
from frontdesk.v1 import common_pb2, events_pb2, scheduler_pb2
from servicekit import BusClient, make_broker
from servicekit.audit import read_stream, verify_stream
from servicekit.errors import PermissionDenied
from servicekit.jetstream import EVENTS_STREAM, EVENTS_SUBJECTS, SESSIONS_BUCKET, session_key
from servicekit.phi_scrub import make_scrubber
from servicekit.settings import ServiceSettings
from servicekit.telemetry import configure_logging
from servicekit.testing import NatsServer

from .stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

CALL = "proof-call-1"
JAMES = "pat-demo-02"


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging(
        "e2e",
        "e2e",
        level="DEBUG",
        fmt="json",
        scrub=make_scrubber(ServiceSettings()),
        stream=buffer,
    )
    try:
        yield buffer
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


async def session_entry(nats_url: str) -> dict[str, object]:
    nc = NATS()
    await nc.connect(nats_url)
    try:
        kv = await nc.jetstream().key_value(SESSIONS_BUCKET)
        entry = await kv.get(session_key(CALL))
        return dict(json.loads(entry.value or b"{}"))
    finally:
        await nc.close()


async def test_the_orchestrator_carries_the_proof_and_nothing_else_sees_it(
    nats_server: NatsServer, tmp_path: Path, captured_logs: io.StringIO
) -> None:
    exporter = InMemorySpanExporter()
    async with Stack.start(nats_server.url, state_dir=tmp_path, span_exporters=[exporter]) as stack:
        async with (
            stack.channel("gateway") as channel,
            Call.open(
                channel, call_id=CALL, from_number="+15550100202", to_number="+15550100100"
            ) as call,
        ):
            await call.reply()
            await call.reply(asked=await call.say("When is my next appointment?"))
            await call.reply(asked=await call.say("James Smith"))
            listed = await call.reply(asked=await call.dtmf("07141975"))
            assert "sick visit" in listed.text.lower(), listed.text

            session = await session_entry(nats_server.url)
            proof = str(session["verification_proof"])
            assert len(proof) >= 40
            assert proof not in json.dumps(session["dialogue"])

            # A proof lifted from the sessions bucket is refused on any other call.
            broker = make_broker(nats_server.url)
            await broker.connect()
            try:
                with pytest.raises(PermissionDenied, match="another call"):
                    await BusClient(broker).call(
                        "frontdesk.scheduler_adapter.ListAppointments",
                        scheduler_pb2.ListAppointmentsRequest(
                            context=common_pb2.CallContext(
                                call_id="intruder",
                                clinic_id="demo",
                                verification_proof=proof,
                            ),
                            patient_id=JAMES,
                        ),
                        scheduler_pb2.ListAppointmentsResponse,
                    )
            finally:
                await broker.stop()

            await call.reply(asked=await call.say("no, that's it"))
            await call.drain(0.5)

        after = await session_entry(nats_server.url)
        assert after["verification_proof"] == ""

        nc = NATS()
        await nc.connect(nats_server.url)
        try:
            js = nc.jetstream()
            audit_stored, _ = await read_stream(js)
            events_stored, _ = await read_stream(js, EVENTS_STREAM, EVENTS_SUBJECTS)
            report = await verify_stream(js)
        finally:
            await nc.close()

    audit = []
    for stored in audit_stored:
        record = events_pb2.AuditRecord()
        record.ParseFromString(stored.data)
        audit.append((record.action, record.call_id, record.result))
    # The call's own accesses went through with the proof; the intruder's was refused.
    assert ("verify_identity", CALL, "ok") in audit
    assert ("list_appointments", CALL, "ok") in audit
    assert ("list_appointments", "intruder", "denied") in audit
    assert report.intact

    everything = [
        captured_logs.getvalue(),
        *(span.to_json() for span in exporter.get_finished_spans()),
        *(stored.data.decode("latin-1") for stored in [*audit_stored, *events_stored]),
    ]
    assert not [text[:200] for text in everything if proof in text]


async def _call(stack: Stack, call_id: str, number: str, lines: list[str]) -> str:
    """Says ``lines`` (keypad digits when all digits); everything heard."""
    heard = []
    async with (
        stack.channel("gateway") as channel,
        Call.open(channel, call_id=call_id, from_number=number, to_number="+15550100100") as call,
    ):
        heard.append((await call.reply()).text)
        for line in lines:
            if call.over:
                break
            asked = await (call.dtmf(line) if line.isdigit() else call.say(line))
            heard.append((await call.reply(asked=asked)).text)
        await call.drain(0.5)
    return " ".join(heard)


async def test_failed_verifications_lock_a_number_out_across_calls(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    number = "+15550109999"
    wrong = ["When is my next appointment?"] + ["James Smith", "01011970"] * 3
    async with Stack.start(nats_server.url, state_dir=tmp_path) as stack:
        first = await _call(stack, "lock-1", number, wrong)  # three failures: the dialogue's limit
        assert "couldn't find a record" in first
        # Two more failures reach the scheduler's limit of five for this number; the sixth
        # attempt of the second call is refused and the caller goes to staff.
        second = await _call(stack, "lock-2", number, wrong)
        # A third call from the number with the right details is refused too, at once.
        third = await _call(
            stack, "lock-3", number, ["When is my next appointment?", "James Smith", "07141975"]
        )
        assert "I found your record" not in third and "sick visit" not in third.lower()
        # (Five failures were counted against the number and against James's record alike.)
        nc = NATS()
        await nc.connect(nats_server.url)
        try:
            audit_stored, _ = await read_stream(nc.jetstream())
        finally:
            await nc.close()
    results = []
    for stored in audit_stored:
        record = events_pb2.AuditRecord()
        record.ParseFromString(stored.data)
        if record.action == "verify_identity":
            results.append((record.call_id, record.result))
    assert results == [
        *[("lock-1", "not_found")] * 3,
        *[("lock-2", "not_found")] * 2,
        ("lock-2", "locked_out"),
        ("lock-3", "locked_out"),
    ], second


async def _list_appointments(bus: BusClient, call_id: str, proof: str) -> None:
    await bus.call(
        "frontdesk.scheduler_adapter.ListAppointments",
        scheduler_pb2.ListAppointmentsRequest(
            context=common_pb2.CallContext(
                call_id=call_id, clinic_id="demo", verification_proof=proof
            ),
            patient_id=JAMES,
        ),
        scheduler_pb2.ListAppointmentsResponse,
    )


async def test_a_proof_stops_working_when_its_call_ends(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    """Revoked at hangup (the scheduler's consumer of call_completed), not at its expiry: a copy
    kept from the live call is refused afterwards even on the call it was issued for."""
    async with Stack.start(nats_server.url, state_dir=tmp_path) as stack:
        broker = make_broker(nats_server.url)
        await broker.connect()
        try:
            bus = BusClient(broker)
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
                proof = str((await session_entry(nats_server.url))["verification_proof"])
                await _list_appointments(bus, CALL, proof)  # works while the call is live
                await call.hangup()
                await call.drain(0.5)

            # The revocation follows the call_completed event: wait for it (bounded).
            deadline = asyncio.get_running_loop().time() + 20
            while True:
                try:
                    await _list_appointments(bus, CALL, proof)
                except PermissionDenied as denied:
                    assert "call has ended" in denied.message
                    break
                assert asyncio.get_running_loop().time() < deadline, "proof still accepted"
                await asyncio.sleep(0.1)
        finally:
            await broker.stop()

        nc = NATS()
        await nc.connect(nats_server.url)
        try:
            audit_stored, _ = await read_stream(nc.jetstream())
        finally:
            await nc.close()
    results = []
    for stored in audit_stored:
        record = events_pb2.AuditRecord()
        record.ParseFromString(stored.data)
        if record.action == "list_appointments" and record.call_id == CALL:
            results.append(record.result)
    # Allowed during the call (the dialogue's own read and the copy's), denied and audited after.
    assert results[0] == "ok" and results[-1] == "denied"
