"""The rules policy's reading helpers: volunteered details, names, visit types, consent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from clinic import ClinicDirectory
from orchestrator.dialogue import Phase
from orchestrator.rules.consent import read_consent
from orchestrator.rules.ladder import keypad_answer, keypad_menu
from orchestrator.rules.names import after_repair, name_in, strip_lead_ins
from orchestrator.rules.reasons import visit_type_for
from orchestrator.rules.volunteered import read_volunteered, strip_greeting

CLINIC = ClinicDirectory.from_folder(
    Path(__file__).resolve().parents[3] / "deploy/local/clinics"
).get("demo")
TODAY = date(2026, 3, 11)


@pytest.mark.parametrize(
    ("said", "name", "born", "rest"),
    [
        (
            "Good morning, this is Jane Doe, date of birth March 3rd 1980, I need a checkup",
            "Jane Doe",
            date(1980, 3, 3),
            "I need a checkup",
        ),
        ("jane doe born 3/3/1980 i need to cancel", "Jane Doe", date(1980, 3, 3), "cancel"),
        ("June twentieth nineteen ninety six.", None, date(1996, 6, 20), ""),
        ("good afternoon, I'd like a physical next tuesday", None, None, "next tuesday"),
        ("I was born in 1980 and need a checkup", None, None, "born in 1980"),
        (
            "this is Sofia Rossi, birthday two twenty eight two thousand one, I've got a bug",
            "Sofia Rossi",
            date(2001, 2, 28),
            "I've got a bug",
        ),
    ],
)
def test_volunteered_name_and_birth_date_are_kept_apart_from_the_rest(
    said: str, name: str | None, born: date | None, rest: str
) -> None:
    offered = read_volunteered(said, TODAY)
    assert offered.name == name and offered.date_of_birth == born
    assert rest in offered.rest
    assert "good morning" not in offered.rest.lower() and "1980-" not in offered.rest


def test_a_morning_preference_is_not_a_greeting() -> None:
    assert strip_greeting("hi good morning, I need a checkup") == "I need a checkup"
    assert strip_greeting("tuesday morning is good") == "tuesday morning is good"


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("hi this is James Smith I have an appointment coming up", "James Smith"),
        ("I'm calling on behalf of my father, James Smith.", "James Smith"),
        ("Hannah Muller here, I need a physical", "Hannah Muller"),
        ("I'd like to see Dr. Priya Patel", None),  # a provider
        ("purple monkey dishwasher", None),  # no cue, no capitals
    ],
)
def test_names_in_running_speech(said: str, name: str | None) -> None:
    assert name_in(said, CLINIC) == name


def test_lead_ins_and_self_corrections() -> None:
    assert strip_lead_ins("oh sorry, um, it's Jose Garcia") == "it's Jose Garcia"
    assert strip_lead_ins("My name Aisha Khan.") == "Aisha Khan."
    assert after_repair("December fifth, sorry, December fifth 1983") == "December fifth 1983"
    # Nothing after the correction: the whole answer stands.
    said = "April eleventh nineteen seventy one, I said the wrong year"
    assert after_repair(said) == said


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("I need my flu jab", "vaccination"),
        ("I'd like to have my flu injection", "vaccination"),
        ("I have the flu", "sick-visit"),
        ("I'm not feeling too good", "sick-visit"),
        ("what are your hours", None),
    ],
)
def test_visit_types_from_purposes_and_reasons(said: str, code: str | None) -> None:
    assert visit_type_for(said, CLINIC) == code


@pytest.mark.parametrize(
    ("reply", "action", "answer"),
    [
        ("yes please", "book", "yes"),
        ("Oh, no, no. On second thought, please don't cancel it.", "cancel", "no"),
        ("eh actually nah, keep it", "cancel", "no"),
        ("let me check with my husband first", "book", "defer"),
        ("can I call you back to confirm?", "book", "defer"),
        ("I guess", "book", "unsure"),
        ("wait, how long does it take?", "book", "unsure"),
        ("Yes, please change it.", "cancel", "unsure"),  # another change than read back
        ("yes, cancel it", "cancel", "yes"),
    ],
)
def test_consent_to_a_read_back(reply: str, action: str, answer: str) -> None:
    heard = "I see your annual checkup on Tuesday. Would you like me to cancel it?"
    if action == "book":
        heard = "I have you down for an annual checkup on Tuesday. Shall I book it?"
    assert read_consent(reply, action, heard) == answer


@pytest.mark.parametrize(
    "reply",
    [
        "yes book it, but I can barely breathe right now",
        "sure that's fine, my chest is really tight though",
        "yes please. honestly I just want everything to stop for good",
        "ok go ahead I've been thinking about ending it all",
    ],
)
def test_a_red_flag_in_a_yes_is_never_consent(reply: str) -> None:
    """The read-back rule is safe on its own, for any policy that calls it before checking
    red flags."""
    assert read_consent(reply, "book", "Tuesday at 9 with Dr Patel, a checkup") != "yes"


def test_keypad_menus_read_what_they_offer() -> None:
    assert "press 1 for book a new appointment" in keypad_menu(Phase.INTENT, CLINIC)
    assert keypad_answer(Phase.INTENT, "3", CLINIC) == "i want to cancel my appointment"
    assert keypad_answer(Phase.ASK_TYPE, "2", CLINIC) == "sick visit"
    assert keypad_answer(Phase.OFFER, "9", CLINIC) == "none of those"
    assert keypad_answer(Phase.ASK_TYPE, "7", CLINIC) is None  # no seventh type
    assert keypad_answer(Phase.ASK_NAME, "1", CLINIC) is None  # a name has no menu
