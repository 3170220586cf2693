"""Completeness over the required fields."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handoff.packet import (
    IDENTITY_SLOT,
    NOT_ATTEMPTED,
    REQUIRED_FIELDS,
    Line,
    Packet,
    Reason,
    Urgency,
    assess,
)

from .conftest import full_packet

# How to make each required field absent while everything else stays present.
ABSENT: dict[str, dict[str, object]] = {
    "caller_name": {"caller_name": "   "},
    "callback_number": {"callback_number": ""},
    "reason": {"reason": Reason.UNSPECIFIED},
    "urgency": {"urgency": Urgency.UNSPECIFIED},
    "summary": {"summary": "\n"},
    "identity_verified": {"identity_verified": False},
    "intents_tried": {"intents_tried": ()},
    "transcript_excerpt": {"transcript_excerpt": ()},
}


def test_every_required_field_has_an_absent_case() -> None:
    assert set(ABSENT) == set(REQUIRED_FIELDS)


def test_full_packet_is_complete() -> None:
    score = assess(full_packet())
    assert score.completeness == 1.0
    assert score.missing == ()
    assert score.complete


@pytest.mark.parametrize("name", REQUIRED_FIELDS)
def test_one_missing_field(name: str) -> None:
    score = assess(full_packet(**ABSENT[name]))
    assert score.missing == (name,)
    assert score.completeness == pytest.approx((len(REQUIRED_FIELDS) - 1) / len(REQUIRED_FIELDS))
    assert not score.complete


def test_empty_packet_misses_everything_in_order() -> None:
    empty = Packet("", "call", "demo", Reason.UNSPECIFIED, Urgency.UNSPECIFIED)
    score = assess(empty)
    assert score.missing == REQUIRED_FIELDS
    assert score.completeness == 0.0


@pytest.mark.parametrize(
    ("number", "present"),
    [
        ("+15550102233", True),
        ("555-0102", True),  # seven digits: a local number an agent can dial
        ("555-010", False),
        ("unknown", False),
        ("n/a", False),
    ],
)
def test_callback_number_needs_digits(number: str, present: bool) -> None:
    missing = assess(full_packet(callback_number=number)).missing
    assert ("callback_number" not in missing) is present


@pytest.mark.parametrize(
    ("verified", "reason", "check", "known"),
    [
        (True, Reason.CALLER_REQUEST, None, True),
        (False, Reason.IDENTITY_FAILED, None, True),  # tried and failed: the outcome is known
        (False, Reason.CALLER_REQUEST, None, False),  # a plain false: the agent must verify
        (False, Reason.EMERGENCY, None, False),
        # Never needed (the caller asked for nothing that requires it): known.
        (False, Reason.CALLER_REQUEST, "not_attempted", True),
        (False, Reason.EMERGENCY, "not_attempted", True),
        # Asked for but cut short, or a value the rule does not know: still missing.
        (False, Reason.CALLER_REQUEST, "incomplete", False),
        (False, Reason.OUT_OF_SCOPE, "verified", False),  # the bool, not a slot, says verified
        (False, Reason.CALLER_REQUEST, "", False),
        (True, Reason.CALLER_REQUEST, "incomplete", True),
    ],
)
def test_identity_outcome_known(
    verified: bool, reason: Reason, check: str | None, known: bool
) -> None:
    slots = {"appointment_type": "checkup"} | ({IDENTITY_SLOT: check} if check is not None else {})
    packet = full_packet(identity_verified=verified, reason=reason, slots=slots)
    missing = assess(packet).missing
    assert ("identity_verified" not in missing) is known


def test_not_attempted_needs_the_identity_slot_itself() -> None:
    # The value under another slot name does not count.
    packet = full_packet(identity_verified=False, slots={"note": NOT_ATTEMPTED})
    assert assess(packet).missing == ("identity_verified",)


def test_blank_transcript_lines_and_intents_do_not_count() -> None:
    score = assess(full_packet(transcript_excerpt=(Line("caller", "  "),), intents_tried=("",)))
    assert score.missing == ("intents_tried", "transcript_excerpt")


@given(st.sets(st.sampled_from(REQUIRED_FIELDS)))
def test_score_matches_missing(absent: set[str]) -> None:
    changes: dict[str, object] = {}
    for name in absent:
        changes.update(ABSENT[name])
    packet = full_packet(**changes)
    score = assess(packet)
    assert set(score.missing) == absent
    assert list(score.missing) == [n for n in REQUIRED_FIELDS if n in absent]
    assert score.completeness == pytest.approx(1 - len(absent) / len(REQUIRED_FIELDS))
    assert dataclasses.replace(packet) == packet  # assessing does not change the packet
