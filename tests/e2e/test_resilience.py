"""Calls under stress: two callers racing for one slot, an orchestrator replica killed mid-call,
a caller hanging up while a slot is held, a call when the clinic is closed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy

from callsim.client import Call
from frontdesk.v1 import handoff_pb2, handoff_pb2_grpc
from servicekit.devcredentials import DevCredentials
from servicekit.settings import PROJECT_ROOT
from servicekit.testing import NatsServer

from .stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

DEMO_NUMBER = "+15550100100"


@contextlib.asynccontextmanager
async def calling(
    stack: Stack, call_id: str, from_number: str = "+15555550123"
) -> AsyncIterator[Call]:
    async with (
        stack.channel("gateway") as channel,
        Call.open(channel, call_id=call_id, from_number=from_number, to_number=DEMO_NUMBER) as call,
    ):
        greeting = await call.reply()
        assert "How can I help" in greeting.text
        yield call


async def say(call: Call, text: str) -> str:
    asked = await call.say(text)
    return (await call.reply(asked=asked)).text


def first_offer(reply: str) -> str:
    """The first time offered in "I have 3 times. First, <slot>. Second, …"."""
    found = re.search(r"First, (.+?)\. Second", reply)
    assert found, reply
    return found.group(1)


async def verified(call: Call, name: str, dob: str) -> None:
    await say(call, "I'd like to book a checkup")
    await say(call, name)
    reply = await say(call, dob)
    assert "I found your record" in reply, reply


def booked_by_calls(db_url: str) -> list[tuple[str, str, str]]:
    """(patient, slot, call) of every booked appointment made by a call (not the demo seed)."""
    engine = sqlalchemy.create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sqlalchemy.text(
                    "SELECT patient_id, slot_id, call_id FROM appointments"
                    " WHERE status = 'booked' AND call_id <> 'seed'"
                )
            ).all()
    finally:
        engine.dispose()
    return [(r[0], r[1], r[2]) for r in rows]


@pytest.fixture
async def stack(nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[Stack]:
    db = f"sqlite+pysqlite:///{tmp_path / 'scheduler.db'}"
    # Every caller hears the earliest times here (no spread): these tests race two callers for
    # one slot, and check a held slot hides the earliest.
    async with Stack.start(
        nats_server.url,
        state_dir=tmp_path,
        scheduler_db=db,
        orchestrator={"hold_seconds": 5},
        scheduler={"scheduler_offer_spread": False},
    ) as running:
        yield running


async def test_two_callers_race_for_the_same_slot(stack: Stack) -> None:
    async with calling(stack, "race-a") as a, calling(stack, "race-b") as b:
        await asyncio.gather(
            verified(a, "Maria Lopez", "march third nineteen eighty"),
            verified(b, "James Smith", "july fourteenth nineteen seventy five"),
        )
        offers = await asyncio.gather(
            say(a, "next wednesday morning with doctor patel"),
            say(b, "next wednesday morning with doctor patel"),
        )
        assert offers[0] == offers[1] and "Which one works for you" in offers[0]
        # Both pick the first time offered, at the same moment.
        picks = await asyncio.gather(say(a, "the first one"), say(b, "the first one"))
        winners = [i for i, reply in enumerate(picks) if "Shall I book it" in reply]
        losers = [i for i, reply in enumerate(picks) if "just taken" in reply]
        assert len(winners) == 1 and len(losers) == 1, picks
        # The loser is offered the nearest other time at once, to say yes or no to.
        assert "Would that work for you" in picks[losers[0]]
        winner = (a, b)[winners[0]]
        assert "booked for" in await say(winner, "yes")
    booked = booked_by_calls(stack.scheduler_db)
    assert [call for _, _, call in booked] == [("race-a", "race-b")[winners[0]]]


def holds_of(scheduler_db: str, call_id: str) -> int:
    engine = sqlalchemy.create_engine(scheduler_db)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    sqlalchemy.text("SELECT count(*) FROM holds WHERE call_id = :call"),
                    {"call": call_id},
                ).scalar_one()
            )
    finally:
        engine.dispose()


async def test_hangup_mid_booking_is_abandoned_and_the_hold_released(stack: Stack) -> None:
    async with calling(stack, "hangs-up") as call:
        await verified(call, "Wei Zhang", "january twenty second nineteen sixty eight")
        offer = await say(call, "next thursday afternoon with doctor okafor")
        assert "Which one works for you" in offer
        readback = await say(call, "the first one")
        assert "Shall I book it" in readback  # the slot is held for this call now
        # While the call is live, another caller is not offered the held slot.
        async with calling(stack, "looks-meanwhile") as other:
            await verified(other, "Olga Petrova", "may ninth nineteen fifty five")
            during = await say(other, "next thursday afternoon with doctor okafor")
            assert first_offer(during) != first_offer(offer), (offer, during)
        await call.hangup()
    # The call's end releases its hold (the scheduler, on CallCompleted): the row is deleted,
    # which its expiry never does (an expired hold's row stays and means nothing).
    for _ in range(60):
        if holds_of(stack.scheduler_db, "hangs-up") == 0:
            break
        await asyncio.sleep(0.5)
    assert holds_of(stack.scheduler_db, "hangs-up") == 0
    async with calling(stack, "looks-after-the-end") as again:
        await verified(again, "Olga Petrova", "may ninth nineteen fifty five")
        after = await say(again, "next thursday afternoon with doctor okafor")
        assert first_offer(after) == first_offer(offer), (offer, after)
    async with stack.channel("orchestrator") as channel:
        from frontdesk.v1 import common_pb2, orchestrator_pb2, orchestrator_pb2_grpc

        session = await orchestrator_pb2_grpc.OrchestratorStub(channel).GetSession(
            orchestrator_pb2.GetSessionRequest(call_id="hangs-up")
        )
    assert session.outcome == common_pb2.CALL_OUTCOME_ABANDONED
    assert booked_by_calls(stack.scheduler_db) == []


def _spawn_orchestrator(nats_url: str, version: str, log: Path) -> subprocess.Popen[bytes]:
    # The same development credentials Stack.start(state_dir=log.parent) uses.
    credentials = DevCredentials.ensure(log.parent / "secrets")
    env = {
        **os.environ,
        **credentials.environment(),
        "FRONTDESK_NATS_URL": nats_url,
        "FRONTDESK_GRPC_PORT": "-1",
        "FRONTDESK_METRICS_PORT": "-2",
        "FRONTDESK_VERSION": version,
        "PYTHONPATH": f"{PROJECT_ROOT / 'libs'}:{PROJECT_ROOT / 'services'}",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "orchestrator"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


async def _wait_serving(log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and '"serving"' in log.read_text():
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"orchestrator did not start: {log.read_text()[-2000:]}")


async def test_call_survives_orchestrator_replicas_being_killed(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    replicas: list[subprocess.Popen[bytes]] = []
    try:
        for name in ("a", "b"):
            replicas.append(
                _spawn_orchestrator(nats_server.url, "v-kill", tmp_path / f"{name}.log")
            )
        for name in ("a", "b"):
            await _wait_serving(tmp_path / f"{name}.log")
        db = f"sqlite+pysqlite:///{tmp_path / 'scheduler.db'}"
        async with (
            Stack.start(
                nats_server.url, state_dir=tmp_path, scheduler_db=db, without=("orchestrator",)
            ) as stack,
            calling(stack, "survivor") as call,
        ):
            await verified(call, "Kwame Mensah", "december fifth nineteen eighty three")
            replicas[0].send_signal(signal.SIGKILL)  # one replica dies with the call in flight
            replicas[0].wait()
            offer = await say(call, "next friday morning")
            assert "Which one works for you" in offer
            # A brand-new replica, which never saw this call, takes over from the session in KV.
            replicas.append(_spawn_orchestrator(nats_server.url, "v-kill", tmp_path / "c.log"))
            await _wait_serving(tmp_path / "c.log")
            replicas[1].send_signal(signal.SIGKILL)
            replicas[1].wait()
            assert "Shall I book it" in await say(call, "the first one")
            assert "booked for" in await say(call, "yes")
            assert "Goodbye" in await say(call, "no that's all")
        assert [(patient, call) for patient, _, call in booked_by_calls(db)] == [
            ("pat-demo-08", "survivor")
        ]
    finally:
        for process in replicas:
            if process.poll() is None:
                process.kill()
                process.wait()


async def test_closed_clinic_puts_the_caller_in_the_callback_queue(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    clinics = tmp_path / "clinics"
    clinics.mkdir()
    demo = (PROJECT_ROOT / "deploy" / "local" / "clinics" / "demo.yaml").read_text()
    hours_start = demo.index("hours:")
    hours_end = demo.index("providers:")
    # The same clinic, closed every day.
    (clinics / "demo.yaml").write_text(demo[:hours_start] + "hours: {}\n" + demo[hours_end:])
    db = f"sqlite+pysqlite:///{tmp_path / 'scheduler.db'}"
    async with Stack.start(
        nats_server.url, state_dir=tmp_path, scheduler_db=db, clinics_dir=clinics
    ) as stack:
        async with calling(stack, "after-hours", from_number="+15555550999") as call:
            reply = await say(call, "can I talk to a person please")
            assert "may I have your first and last name" in reply, reply
            reply = await say(call, "Jane Doe")
            assert "someone will call you back" in reply, reply
            await call.drain(1.0)
            assert call.transfer is None  # nobody to transfer to: a callback instead
            assert call.end is not None and call.end.data.get("outcome") == "handoff"
        async with stack.channel("handoff") as channel:
            listed = await handoff_pb2_grpc.HandoffStub(channel).List(
                handoff_pb2.ListHandoffsRequest()
            )
    [packet] = [p for p in listed.handoffs if p.call_id == "after-hours"]
    assert packet.state == handoff_pb2.HANDOFF_STATE_CALLBACK
    assert packet.callback_number == "+15555550999"
    assert packet.caller_name == "Jane Doe"
    assert packet.target.kind == "callback"
