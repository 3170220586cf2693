"""Verification bound on the server, on SQLite and PostgreSQL: patient data needs the proof the
scheduler issued on VerifyIdentity, for that call, clinic and patient, unexpired; failed
verifications are limited per caller number and per patient record across calls."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from frontdesk.v1 import common_pb2, scheduler_pb2
from scheduler_adapter.server import SchedulerServicer, build_servicer
from scheduler_adapter.sinks import RecordingAuditSink, RecordingEventSink
from scheduler_adapter.tests.conftest import DEMO, MovableClock
from scheduler_adapter.verification import LockoutPolicy
from servicekit.errors import PermissionDenied, ResourceExhausted

MARIA = "pat-demo-01"
JAMES = "pat-demo-02"
SEEDED = "appt-demo-seed-1"  # Maria's seeded appointment
ATTACKER = "+15559990000"


@pytest.fixture
def audit() -> RecordingAuditSink:
    return RecordingAuditSink()


@pytest.fixture
def servicer(
    db_url: str, clock: MovableClock, audit: RecordingAuditSink
) -> Iterator[SchedulerServicer]:
    servicer = build_servicer(
        database_url=db_url,
        clinics=[DEMO],
        audit=audit,
        events=RecordingEventSink(),
        clock=clock,
        seed_demo_data=True,
        lockout=LockoutPolicy(3, 4, timedelta(minutes=30), timedelta(hours=24)),
        proof_ttl=timedelta(minutes=20),
    )
    yield servicer
    servicer.close()


def ctx(call_id: str, proof: str = "", claim: str = "") -> common_pb2.CallContext:
    return common_pb2.CallContext(
        call_id=call_id,
        clinic_id="demo",
        actor="orchestrator",
        verified_patient_id=claim,
        verification_proof=proof,
    )


async def verify(
    servicer: SchedulerServicer,
    call_id: str,
    name: str = "Maria Lopez",
    born: str = "1980-03-03",
    number: str = "+15550100201",
) -> scheduler_pb2.VerifyIdentityResponse:
    return await servicer.VerifyIdentity(
        scheduler_pb2.VerifyIdentityRequest(
            context=ctx(call_id), full_name=name, date_of_birth=born, caller_number=number
        ),
        None,
    )


async def listed(servicer: SchedulerServicer, context: common_pb2.CallContext) -> list[str]:
    response = await servicer.ListAppointments(
        scheduler_pb2.ListAppointmentsRequest(context=context, patient_id=MARIA), None
    )
    return [a.appointment_id for a in response.appointments]


async def attempts(
    servicer: SchedulerServicer, context: common_pb2.CallContext, patient_id: str = MARIA
) -> list[str]:
    """Every patient-data method with ``context``; the messages of the refusals."""
    slot = (
        await servicer.FindSlots(scheduler_pb2.FindSlotsRequest(context=ctx("probe")), None)
    ).slots[0]
    calls = [
        servicer.ListAppointments(
            scheduler_pb2.ListAppointmentsRequest(context=context, patient_id=patient_id), None
        ),
        servicer.Book(
            scheduler_pb2.BookRequest(
                context=context, patient_id=patient_id, slot_id=slot.slot_id, idempotency_key="x"
            ),
            None,
        ),
        servicer.Cancel(
            scheduler_pb2.CancelRequest(
                context=context, patient_id=patient_id, appointment_id=SEEDED
            ),
            None,
        ),
        servicer.Reschedule(
            scheduler_pb2.RescheduleRequest(
                context=context,
                patient_id=patient_id,
                appointment_id=SEEDED,
                new_slot_id=slot.slot_id,
            ),
            None,
        ),
    ]
    messages = []
    for call in calls:
        with pytest.raises(PermissionDenied) as caught:
            await call
        messages.append(caught.value.message)
    return messages


async def test_a_proof_opens_the_patients_data_on_its_own_call_only(
    servicer: SchedulerServicer, audit: RecordingAuditSink
) -> None:
    verified = await verify(servicer, "call-maria")
    assert verified.verified and verified.patient_id == MARIA and verified.proof
    assert await listed(servicer, ctx("call-maria", verified.proof)) == [SEEDED]
    audit.records.clear()

    # Forged claim, no proof: the old check trusted this.
    for message in await attempts(servicer, ctx("call-evil", claim=MARIA)):
        assert "carries no verification proof" in message
    # Maria's proof replayed on another call.
    for message in await attempts(servicer, ctx("call-evil", verified.proof, MARIA)):
        assert "issued for another call" in message
    # A made-up proof on Maria's own call.
    for message in await attempts(servicer, ctx("call-maria", "A" * 43, MARIA)):
        assert "not one this scheduler issued" in message
    # Maria's proof on her call, asking about James.
    for message in await attempts(servicer, ctx("call-maria", verified.proof), JAMES):
        assert "different patient" in message
    # Maria's proof with a claim of James.
    for message in await attempts(servicer, ctx("call-maria", verified.proof, JAMES)):
        assert "disagrees with the verification proof" in message

    assert len(audit.records) == 20
    assert {r.result for r in audit.records} == {"denied"}
    assert all(r.detail for r in audit.records)
    assert {r.call_id for r in audit.records} == {"call-evil", "call-maria"}
    # The proof itself is never in an audit record.
    assert not any(verified.proof in str(r) for r in audit.records)
    # Nothing changed: the seeded appointment is still booked and nothing else is.
    assert await listed(servicer, ctx("call-maria", verified.proof)) == [SEEDED]


async def test_an_expired_proof_is_refused_until_the_caller_verifies_again(
    servicer: SchedulerServicer, clock: MovableClock, audit: RecordingAuditSink
) -> None:
    verified = await verify(servicer, "call-1")
    assert verified.proof_expire_time.ToDatetime().isoformat().startswith("2030-03-04T12:20")
    clock.advance(minutes=19, seconds=59)
    assert await listed(servicer, ctx("call-1", verified.proof)) == [SEEDED]
    clock.advance(seconds=1)
    for message in await attempts(servicer, ctx("call-1", verified.proof)):
        assert "expired at 2030-03-04T12:20:00+00:00" in message
    assert audit.records[-1].result == "denied"
    again = await verify(servicer, "call-1")
    assert again.proof != verified.proof
    assert await listed(servicer, ctx("call-1", again.proof)) == [SEEDED]


async def test_revoking_a_call_ends_its_proofs_and_only_its_own(
    servicer: SchedulerServicer, audit: RecordingAuditSink
) -> None:
    ended = await verify(servicer, "call-ended")
    live = await verify(servicer, "call-live")
    again = await verify(servicer, "call-ended")  # two proofs on the ended call: both go
    assert await servicer.service.revoke_call("demo", "call-ended") == 2
    for proof in (ended.proof, again.proof):
        for message in await attempts(servicer, ctx("call-ended", proof, MARIA)):
            assert "its call has ended" in message
    assert audit.records[-1].result == "denied"
    assert await listed(servicer, ctx("call-live", live.proof)) == [SEEDED]
    # Another clinic's call of the same id is not this one.
    assert await servicer.service.revoke_call("other-clinic", "call-live") == 0
    assert await listed(servicer, ctx("call-live", live.proof)) == [SEEDED]


async def test_failures_per_caller_number_lock_out_across_calls(
    servicer: SchedulerServicer, clock: MovableClock, audit: RecordingAuditSink
) -> None:
    # Three calls from one number, each with a wrong guess (different names: no record counts
    # more than once), then a fourth call: refused, even with Maria's right details.
    for call, name in enumerate(["Nobody Here", "Maria Lopez", "James Smith"]):
        response = await verify(servicer, f"call-{call}", name, "1999-01-01", ATTACKER)
        assert not response.verified
    with pytest.raises(ResourceExhausted, match="transfer the caller to clinic staff"):
        await verify(servicer, "call-9", "Maria Lopez", "1980-03-03", ATTACKER)
    assert (audit.records[-1].result, audit.records[-1].detail) == (
        "locked_out",
        "caller number over the failure limit",
    )
    # Another number is not affected; Maria's record has only one failure.
    assert (await verify(servicer, "call-10")).verified
    # After the window the number may try again.
    clock.advance(minutes=30, seconds=1)
    assert (await verify(servicer, "call-11", number=ATTACKER)).verified


async def test_failures_per_patient_record_lock_out_across_numbers(
    servicer: SchedulerServicer, clock: MovableClock, audit: RecordingAuditSink
) -> None:
    # Four numbers each guess Maria's date of birth once: her record is now locked, for every
    # number and for the right answer too (a refused attempt reveals nothing).
    for i in range(4):
        guess = await verify(
            servicer, f"call-{i}", "maria lopez", f"1980-01-0{i + 1}", f"+1555000{i}"
        )
        assert not guess.verified
    assert audit.records[-1].patient_id == MARIA  # the record being guessed at
    with pytest.raises(ResourceExhausted):
        await verify(servicer, "call-real", number="+15550100201")
    assert audit.records[-1].detail == "patient record over the failure limit"
    # A withheld number is still limited per record.
    with pytest.raises(ResourceExhausted):
        await verify(servicer, "call-hidden", number="")
    # Other patients are not.
    assert (await verify(servicer, "call-james", "James Smith", "1975-07-14")).verified
    # The record stays locked for the patient window (a day), not the number window.
    clock.advance(hours=23, minutes=59)
    with pytest.raises(ResourceExhausted):
        await verify(servicer, "call-next-day", number="+15550100201")
    clock.advance(minutes=2)
    assert (await verify(servicer, "call-later")).verified


@pytest.mark.parametrize(
    ("said", "born", "patient"),
    [
        ("Lopez, Maria", "1980-03-03", MARIA),
        ("MARIA ELENA LOPEZ", "1980-03-03", MARIA),
        ("Maria Lopez, L O P E Z", "1980-03-03", MARIA),
        ("Jose Garcia", "1971-04-11", "pat-demo-10"),
        ("José García", "1971-04-11", "pat-demo-10"),
        ("Hannah Mueller", "1964-08-02", "pat-demo-11"),
        ("Jim Smith", "1975-07-14", JAMES),
        ("Mary Ann Thompson", "1990-10-10", "pat-demo-12"),
    ],
)
async def test_name_forms_verify_with_the_exact_date_of_birth(
    servicer: SchedulerServicer, said: str, born: str, patient: str
) -> None:
    verified = await verify(servicer, "call-1", said, born, number="")
    assert verified.verified and verified.patient_id == patient


@pytest.mark.parametrize(
    ("said", "born"),
    [
        ("Lopez, Maria", "1980-03-04"),  # a day off
        ("Maria Lopez", "1980-04-03"),  # month and day swapped
        ("Mario Lopez", "1980-03-03"),  # one part only sounds alike
        ("Maria Lopes", "1980-03-03"),
        ("Jim Lopez", "1980-03-03"),  # James's nickname is not Maria's
        ("Hannah Miller", "1964-08-02"),  # another surname
    ],
)
async def test_a_near_name_or_a_wrong_date_never_verifies(
    servicer: SchedulerServicer, said: str, born: str
) -> None:
    assert not (await verify(servicer, "call-1", said, born, number="")).verified
