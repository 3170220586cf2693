"""Completeness over the required fields."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handoff.packet import REQUIRED_FIELDS, Line, Packet, Reason, Urgency, assess

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
    ("verified", "reason", "known"),
    [
        (True, Reason.CALLER_REQUEST, True),
        (False, Reason.IDENTITY_FAILED, True),  # tried and failed: the outcome is known
        (False, Reason.CALLER_REQUEST, False),  # never verified: the agent must verify
        (False, Reason.EMERGENCY, False),
    ],
)
def test_identity_outcome_known(verified: bool, reason: Reason, known: bool) -> None:
    missing = assess(full_packet(identity_verified=verified, reason=reason)).missing
    assert ("identity_verified" not in missing) is known


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
