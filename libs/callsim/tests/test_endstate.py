"""End-state checks against the real scheduler backend (SQLite) and the real Handoff servicer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from google.protobuf.message import Message

from callsim.endstate import (
    AppointmentReader,
    HandoffFacts,
    HandoffReader,
    UnknownPatient,
    appointment_problems,
    changed,
    handoff_problems,
)
from callsim.scenario import AppointmentExpect, HandoffExpect
from clinic import Clinic, ClinicDirectory
from frontdesk.v1 import common_pb2, handoff_pb2, handoff_pb2_grpc
from handoff.server import HandoffServicer
from handoff.store import HandoffStore
from scheduler_adapter.seed import seed_demo
from scheduler_adapter.sql_backend import SqlBackend

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def clinics() -> ClinicDirectory:
    return ClinicDirectory.from_folder(REPO / "deploy" / "local" / "clinics")


@pytest.fixture
def seeded(tmp_path: Path, clinics: ClinicDirectory) -> tuple[SqlBackend, Clinic, str]:
    url = f"sqlite:///{tmp_path / 'scheduler.db'}"
    backend = SqlBackend.open(url)
    clinic = clinics.get("demo")
    seed_demo(backend, clinic, datetime.now(UTC))
    return backend, clinic, url


async def test_a_booking_during_the_call_is_the_change_found(
    seeded: tuple[SqlBackend, Clinic, str],
) -> None:
    backend, clinic, url = seeded
    reader = AppointmentReader(url)
    try:
        before = reader.snapshot("maria  LOPEZ")  # names match case- and space-insensitively
        assert [s.status for s in before.values()] == ["booked"]  # the seeded checkup
        assert reader.snapshot("James Smith").keys().isdisjoint(before)

        slot_id = _free_slot(url, "vaccination")
        await backend.book(clinic.id, "call-1", "pat-demo-01", slot_id, "key-1")
        after = reader.snapshot("Maria Lopez")
    finally:
        reader.close()

    changes = changed(before, after)
    assert [(c.appointment_type, c.status, c.patient) for c in changes] == [
        ("vaccination", "booked", "Maria Lopez")
    ]
    assert appointment_problems([AppointmentExpect(appointment_type="vaccination")], changes) == []
    [problem] = appointment_problems([AppointmentExpect(appointment_type="checkup")], changes)
    assert "appointment_type=checkup" in problem and "vaccination" in problem


async def test_a_cancellation_is_a_change_and_each_expectation_needs_its_own(
    seeded: tuple[SqlBackend, Clinic, str],
) -> None:
    backend, clinic, url = seeded
    reader = AppointmentReader(url)
    try:
        before = reader.snapshot("Maria Lopez")
        [seeded_id] = before
        await backend.cancel(clinic.id, "pat-demo-01", seeded_id, "cancel-1")
        after = reader.snapshot("Maria Lopez")
    finally:
        reader.close()
    changes = changed(before, after)
    assert [(c.appointment_id, c.status) for c in changes] == [(seeded_id, "cancelled")]
    cancelled = AppointmentExpect(status="cancelled", provider="dr-patel")
    assert appointment_problems([cancelled], changes) == []
    # A reschedule expects a cancellation and a new booking: one change cannot satisfy both.
    assert len(appointment_problems([cancelled, AppointmentExpect(status="booked")], changes)) == 1
    assert changed(after, after) == []


def test_unknown_patients_are_reported(seeded: tuple[SqlBackend, Clinic, str]) -> None:
    reader = AppointmentReader(seeded[2])
    try:
        with pytest.raises(UnknownPatient, match="Nobody Here"):
            reader.snapshot("Nobody Here")
    finally:
        reader.close()


def _free_slot(url: str, appointment_type: str) -> str:
    from sqlalchemy import create_engine, select

    from scheduler_adapter.schema import SlotRow

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(
                connection.execute(
                    select(SlotRow.id)
                    .where(SlotRow.appointment_type == appointment_type)
                    .order_by(SlotRow.start_time.desc())
                    .limit(1)
                ).scalar_one()
            )
    finally:
        engine.dispose()


class Events:
    async def event(self, kind: str, message: Message) -> None:
        pass


@pytest.fixture
async def handoff_channel(
    tmp_path: Path, clinics: ClinicDirectory
) -> AsyncIterator[tuple[grpc.aio.Channel, handoff_pb2_grpc.HandoffStub]]:
    store = HandoffStore.open(f"sqlite:///{tmp_path / 'handoff.db'}")
    server = grpc.aio.server()
    handoff_pb2_grpc.add_HandoffServicer_to_server(
        HandoffServicer(store=store, clinics=clinics, events=Events()), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield channel, handoff_pb2_grpc.HandoffStub(channel)
    finally:
        await channel.close()
        await server.stop(grace=None)
        store.close()


async def test_handoffs_are_found_by_id_or_by_call_id(
    handoff_channel: tuple[grpc.aio.Channel, handoff_pb2_grpc.HandoffStub],
) -> None:
    channel, stub = handoff_channel
    created = await stub.Create(
        handoff_pb2.CreateHandoffRequest(
            packet=handoff_pb2.HandoffPacket(
                call_id="sim-call-7",
                clinic_id="demo",
                reason=common_pb2.HANDOFF_REASON_CALLER_REQUEST,
                urgency=common_pb2.URGENCY_SOON,
                summary="The caller asked for a person.",
            )
        )
    )
    reader = HandoffReader(channel)
    by_id = await reader.find("sim-call-7", created.packet.handoff_id)
    by_call = await reader.find("sim-call-7")
    assert by_id == by_call
    assert by_id is not None
    assert (by_id.reason, by_id.urgency) == ("caller_request", "soon")
    assert by_id.completeness == pytest.approx(created.packet.completeness)
    assert await reader.find("another-call") is None

    assert handoff_problems(HandoffExpect(reason="caller_request"), by_id) == []
    wrong = handoff_problems(HandoffExpect(reason="emergency", urgency="urgent"), by_id)
    assert len(wrong) == 2 and "'caller_request'" in wrong[0]


def test_handoff_completeness_below_the_minimum_lists_missing_fields() -> None:
    found = HandoffFacts("h1", "emergency", "urgent", 0.4, ("caller_name", "callback_number"))
    [problem] = handoff_problems(HandoffExpect(min_completeness=0.8), found)
    assert "0.40 < 0.80" in problem and "caller_name" in problem
    assert handoff_problems(HandoffExpect(), None) == [
        "expected a handoff, but the call created none"
    ]
