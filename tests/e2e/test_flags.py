"""Flags in running services, against a real Unleash server: ``frontdesk flags kill
kill_booking_writes`` stops bookings within seconds, and a call that was about to book is handed
to staff with the reason instead of failing; ``enhanced_phi_redaction`` switches the phi_filter's
default mode between strict and normal as Unleash changes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import grpc
import pytest

from controlplane.flag_spec import load_spec
from controlplane.flag_sync import UnleashAdmin, sync
from controlplane.flag_testing import flags_repository, last_commit
from frontdesk.cli.__main__ import main
from frontdesk.v1 import (
    common_pb2,
    handoff_pb2,
    handoff_pb2_grpc,
    phi_pb2,
    phi_pb2_grpc,
    scheduler_pb2,
    scheduler_pb2_grpc,
)
from servicekit.flags import WRITES_PAUSED
from servicekit.localunleash import UnleashServer
from servicekit.settings import PROJECT_ROOT
from servicekit.testing import ClientKind, NatsServer

from .stack import Stack, start_service
from .test_resilience import booked_by_calls, calling, say, verified

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres]

FLAGS = PROJECT_ROOT / "gitops" / "flags"
REFRESH = 1.0


async def book_refused(stack: Stack) -> bool:
    """Whether the scheduler refuses a write because of the switch (the switch is checked
    before anything else, so an empty request tells)."""
    async with stack.channel("scheduler_adapter", ClientKind.SERVICE) as channel:
        stub = scheduler_pb2_grpc.SchedulerStub(channel)
        request = scheduler_pb2.BookRequest(
            context=common_pb2.CallContext(call_id="probe", clinic_id="demo")
        )
        try:
            await stub.Book(request)
        except grpc.aio.AioRpcError as error:
            return bool(
                error.code() == grpc.StatusCode.UNAVAILABLE
                and error.details().startswith(WRITES_PAUSED)
            )
    return False


async def test_kill_booking_writes_stops_bookings_and_hands_the_call_to_staff(
    nats_server: NatsServer, unleash_server: UnleashServer, tmp_path: Path
) -> None:
    with UnleashAdmin(unleash_server.url, unleash_server.admin_token) as admin:
        sync(admin, load_spec(FLAGS / "staging.yaml"))  # kill_booking_writes off
    folder = flags_repository(tmp_path)
    settings = {
        "unleash_url": unleash_server.url,
        "unleash_token": unleash_server.client_token,
        "unleash_refresh_interval": REFRESH,
    }
    db = f"sqlite+pysqlite:///{tmp_path / 'scheduler.db'}"
    try:
        async with Stack.start(
            nats_server.url, state_dir=tmp_path, scheduler_db=db, settings=settings
        ) as stack:
            assert not await book_refused(stack)
            async with calling(stack, "kill-mid-call") as call:
                await verified(call, "Maria Lopez", "march third nineteen eighty")
                await say(call, "next wednesday morning with doctor patel")
                readback = await say(call, "the first one")
                assert "Shall I book it" in readback, readback

                # On call: the emergency switch, while this caller is at the read-back.
                killed = time.monotonic()
                code = main(
                    ["flags", "kill", "kill_booking_writes", "--env", "staging",
                     "--reason", "double bookings from the EHR sync", "--dir", str(folder),
                     "--unleash", unleash_server.url, "--token", unleash_server.admin_token]
                )  # fmt: skip
                assert code == 0
                while not await book_refused(stack):
                    assert time.monotonic() - killed < 5.0, "bookings not stopped within 5 s"
                    await asyncio.sleep(0.05)
                stopped = time.monotonic() - killed
                print(f"\nbookings stopped {stopped:.2f} s after the kill")

                reply = await say(call, "yes")
                assert "booked for" not in reply, reply
                assert "someone from our team" in reply, reply
                await call.drain(1.0)
                assert call.end is not None and call.end.data.get("outcome") == "handoff"
            async with stack.channel("handoff") as channel:
                listed = await handoff_pb2_grpc.HandoffStub(channel).List(
                    handoff_pb2.ListHandoffsRequest()
                )
        [packet] = [p for p in listed.handoffs if p.call_id == "kill-mid-call"]
        assert "Booking changes are paused" in packet.summary, packet.summary
        assert booked_by_calls(db) == []
        message, _ = last_commit(folder)
        assert "Reason: double bookings from the EHR sync" in message
    finally:
        with UnleashAdmin(unleash_server.url, unleash_server.admin_token) as admin:
            sync(admin, load_spec(FLAGS / "staging.yaml"))


async def test_enhanced_phi_redaction_switches_strict_mode_in_a_running_phi_filter(
    nats_server: NatsServer, unleash_server: UnleashServer, tmp_path: Path
) -> None:
    staging = load_spec(FLAGS / "staging.yaml")
    text = (FLAGS / "staging.yaml").read_text()
    # The same file with strict redaction switched off (the flag's first "enabled: true").
    start = text.index("  enhanced_phi_redaction:")
    edited = text[:start] + text[start:].replace("enabled: true", "enabled: false", 1)
    (tmp_path / "staging.yaml").write_text(edited)
    relaxed = load_spec(tmp_path / "staging.yaml")
    assert not relaxed.flags["enhanced_phi_redaction"].enabled
    with UnleashAdmin(unleash_server.url, unleash_server.admin_token) as admin:
        sync(admin, staging)
        running = await start_service(
            "phi_filter",
            nats_server.url,
            unleash_url=unleash_server.url,
            unleash_token=unleash_server.client_token,
            unleash_refresh_interval=REFRESH,
            leak_detector=False,
        )
        try:
            # Started without credentials: explicitly insecure (auth is not what this tests).
            async with grpc.aio.insecure_channel(running.target) as channel:
                stub = phi_pb2_grpc.PhiFilterStub(channel)
                request = phi_pb2.RedactRequest(text="my code is 4821 ok")
                assert (await stub.Redact(request)).text == "my code is [ID] ok"  # strict
                sync(admin, relaxed)
                changed = time.monotonic()
                while (await stub.Redact(request)).text != "my code is 4821 ok":
                    assert time.monotonic() - changed < REFRESH + 3.0, "flag change not seen"
                    await asyncio.sleep(0.05)
        finally:
            sync(admin, staging)
            await running.shutdown()
