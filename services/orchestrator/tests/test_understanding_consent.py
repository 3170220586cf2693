"""Consent to a read-back: only a plain yes."""

from __future__ import annotations

import pytest

from orchestrator.understanding.consent import classify_consent, consent, consent_digits

READ_BACK = "Tuesday, December first at 2:30 PM with Dr. Priya Patel, annual checkup"


@pytest.mark.parametrize(
    "reply",
    [
        "yes",
        "Yeah, that works.",
        "sure, book it",
        "yes tuesday at two thirty with dr patel is fine",
        "perfect thank you",
        "uh huh",
        "no problem, go ahead",
        # Someone else's answer reported, then the caller's own yes.
        "ok she says yes, go ahead and book it",
    ],
)
def test_a_plain_yes_is_consent(reply: str) -> None:
    assert consent(reply, READ_BACK) == "yes"


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("I guess, I'm not sure, let me check with my husband first", "hedge"),
        ("can I call you back to confirm?", "question"),
        ("sure, that sounds... actually is that with a man or a woman doctor?", "question"),
        ("yes if it's not with a man doctor", "mixed"),
        ("ok but let me check with my husband first", "condition"),
        ("I think so maybe", "hedge"),
        ("before you book it I should say I can barely breathe right now", "condition"),
        ("yes book it, my chest is killing me", "more than a yes"),
        ("yes no", "mixed"),
        ("she says yes", "someone else's yes"),
        ("my husband says ok but I'm not sure", "hedge"),
        ("", "nothing said"),
    ],
)
def test_hedges_conditions_questions_and_anything_more_are_not_consent(
    reply: str, reason: str
) -> None:
    result = classify_consent(reply, READ_BACK)
    assert result.answer == "unclear"
    assert result.reason == reason


@pytest.mark.parametrize(
    "reply", ["no", "No, that's not right.", "nope, wrong day", "no don't book it"]
)
def test_refusals(reply: str) -> None:
    assert consent(reply, READ_BACK) == "no"


def test_the_read_back_s_own_words_may_be_repeated() -> None:
    assert consent("yes with Okafor is fine") == "unclear"  # "okafor" is not in the read-back
    assert consent("yes with Okafor is fine", "Friday at 9 AM with Dr. James Okafor") == "yes"


def test_keypad() -> None:
    assert (consent_digits("1"), consent_digits("2#"), consent_digits("3")) == (
        "yes",
        "no",
        "unclear",
    )
