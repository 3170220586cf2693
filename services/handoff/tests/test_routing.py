"""Where handoffs go, on the real demo clinic and a variant with queue targets."""

from __future__ import annotations

from datetime import datetime

import pytest

from clinic import Clinic
from handoff.packet import Reason, State, Target, Urgency
from handoff.routing import route

from .conftest import MONDAY_NIGHT, MONDAY_OPEN, SUNDAY_NOON

DEFAULT = Target("sip", "sip:frontdesk@maple-clinic.example")
URGENT = Target("sip", "sip:triage-nurse@maple-clinic.example")
RECORDS = Target("sip", "sip:records@maple-clinic.example")
CALLBACK = Target("callback", "demo-callbacks")

NON_URGENT_REASONS = [r for r in Reason if r is not Reason.EMERGENCY]


def test_demo_clinic_targets_are_what_these_tests_expect(demo: Clinic) -> None:
    targets = demo.transfer_targets
    assert (targets.default, targets.urgent) == (DEFAULT.address, URGENT.address)
    assert targets.by_reason == {"identity_failed": RECORDS.address}
    assert targets.callback_queue == CALLBACK.address
    assert demo.is_open(MONDAY_OPEN)
    assert not demo.is_open(MONDAY_NIGHT)
    assert not demo.is_open(SUNDAY_NOON)


@pytest.mark.parametrize("reason", NON_URGENT_REASONS)
@pytest.mark.parametrize("urgency", [Urgency.UNSPECIFIED, Urgency.ROUTINE, Urgency.SOON])
def test_open_clinic_uses_reason_target_or_default(
    demo: Clinic, reason: Reason, urgency: Urgency
) -> None:
    result = route(reason, urgency, demo, MONDAY_OPEN)
    assert result.state is State.OPEN
    assert result.target == (RECORDS if reason is Reason.IDENTITY_FAILED else DEFAULT)


@pytest.mark.parametrize("now", [MONDAY_OPEN, MONDAY_NIGHT, SUNDAY_NOON])
@pytest.mark.parametrize("reason", list(Reason))
def test_urgent_always_transfers_to_urgent_target(
    demo: Clinic, reason: Reason, now: datetime
) -> None:
    result = route(reason, Urgency.URGENT, demo, now)
    assert (result.state, result.target) == (State.OPEN, URGENT)


@pytest.mark.parametrize("now", [MONDAY_OPEN, MONDAY_NIGHT])
@pytest.mark.parametrize("urgency", [Urgency.UNSPECIFIED, Urgency.ROUTINE, Urgency.SOON])
def test_emergency_counts_as_urgent_whatever_urgency_says(
    demo: Clinic, urgency: Urgency, now: datetime
) -> None:
    result = route(Reason.EMERGENCY, urgency, demo, now)
    assert (result.state, result.target) == (State.OPEN, URGENT)


@pytest.mark.parametrize("now", [MONDAY_NIGHT, SUNDAY_NOON])
@pytest.mark.parametrize("reason", NON_URGENT_REASONS)
@pytest.mark.parametrize("urgency", [Urgency.UNSPECIFIED, Urgency.ROUTINE, Urgency.SOON])
def test_closed_clinic_queues_a_callback(
    demo: Clinic, reason: Reason, urgency: Urgency, now: datetime
) -> None:
    result = route(reason, urgency, demo, now)
    assert (result.state, result.target) == (State.CALLBACK, CALLBACK)


def test_closing_time_is_closed(demo: Clinic) -> None:
    # Monday 17:00 local is the closing instant: the clinic is closed from then on.
    closing = datetime.fromisoformat("2025-03-10T17:00:00-04:00")
    just_before = datetime.fromisoformat("2025-03-10T16:59:59-04:00")
    assert route(Reason.CAPACITY, Urgency.SOON, demo, closing).state is State.CALLBACK
    assert route(Reason.CAPACITY, Urgency.SOON, demo, just_before).state is State.OPEN


def test_closed_date_and_queue_targets(demo: Clinic) -> None:
    variant = demo.model_copy(
        update={
            "closed_dates": ("2025-03-10",),
            "transfer_targets": demo.transfer_targets.model_copy(
                update={"by_reason": {"capacity": "overflow-desk"}}
            ),
        }
    )
    assert route(Reason.CAPACITY, Urgency.SOON, variant, MONDAY_OPEN).state is State.CALLBACK
    tuesday = datetime.fromisoformat("2025-03-11T10:00:00-04:00")
    result = route(Reason.CAPACITY, Urgency.SOON, variant, tuesday)
    assert (result.state, result.target) == (State.OPEN, Target("queue", "overflow-desk"))
