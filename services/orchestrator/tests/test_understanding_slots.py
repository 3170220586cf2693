"""Slots of a request: the visit type a reason implies, the provider, the wanted time, and a
date of birth kept apart from it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from clinic import ClinicDirectory
from orchestrator.understanding.intents import classify_intent
from orchestrator.understanding.slots import extract_slots, visit_type

CLINIC = ClinicDirectory.from_folder(
    Path(__file__).resolve().parents[3] / "deploy/local/clinics"
).get("demo")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=CLINIC.zone)  # a Sunday


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("it's for my knee, it hurts when I walk", "sick-visit"),
        ("my daughter needs her shots", "vaccination"),
        ("I just need my stitches taken out", "follow-up"),
        ("I need a flu shot", "vaccination"),  # the clinic's own word
        ("I'd like my annual physical", "checkup"),
    ],
)
def test_a_reason_maps_to_a_visit_type(said: str, code: str) -> None:
    found = visit_type(said, CLINIC)
    assert found is not None and found.code == code


def test_no_visit_type_when_none_is_implied() -> None:
    assert visit_type("what time do you close", CLINIC) is None
    assert visit_type("purple monkey dishwasher", CLINIC) is None


def test_volunteered_details_are_each_kept_apart() -> None:
    said = "hi this is Jane Doe calling, born March 3rd 1980, anything Tuesday afternoon, Dr Patel?"
    slots = extract_slots(said, CLINIC, NOW)
    assert slots.birth_date == date(1980, 3, 3)
    assert slots.provider == "dr-patel"
    assert slots.name == "Jane Doe"
    assert slots.preference is not None
    assert slots.preference.start_after.date() == date(2026, 12, 1)
    assert slots.preference.part_of_day == "afternoon"


def test_good_morning_is_a_greeting() -> None:
    slots = extract_slots("Good morning, I'd like to make an appointment", CLINIC, NOW)
    assert slots.preference is None


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("I want to book a checkup but I can't make it before noon", "book"),
        ("What's your cancellation policy?", "faq"),
        ("Do you have anything open Tuesday", "book"),
        ("I was calling to confirm for tomorrow", "check"),
        ("what time am I supposed to come in next week? I lost the card", "check"),
        ("I don't need that appointment anymore", "cancel"),
        ("is Dr Patel taking new patients", "faq"),
        ("I'd like to make an appt", "book"),
        ("what street are you on?", "address"),
        ("can I talk to a real person", "human"),
        ("do you take medicare and can i book a checkup", "book"),
        ("not a reschedule, a brand new appointment", "book"),
        ("purple monkey dishwasher", "other"),
    ],
)
def test_the_issue_s_phrasings(said: str, intent: str) -> None:
    assert classify_intent(said).intent == intent
