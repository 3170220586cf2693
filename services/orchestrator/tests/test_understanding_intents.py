"""Intents, yes/no, clinic vocabulary and picks among offered options."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clinic import ClinicDirectory
from orchestrator.understanding import catalog, speech
from orchestrator.understanding.choices import Choice, named_position, pick
from orchestrator.understanding.intents import (
    asks_about_hours,
    clauses,
    detect_intent,
    is_goodbye,
    is_question,
    is_stop,
)
from orchestrator.understanding.yes_no import classify, classify_digits

CLINIC = ClinicDirectory.from_folder(
    Path(__file__).resolve().parents[3] / "deploy/local/clinics"
).get("demo")
NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("i'd like to book an appointment", "book"),
        ("I need to make an appointment.", "book"),
        ("can i schedule a physical", "book"),
        ("i want to see the doctor", "book"),
        ("can i come in today", "book"),
        ("i need a checkup", "book"),
        ("i need to reschedule", "reschedule"),
        ("can i move my appointment to friday", "reschedule"),
        ("i need to change my appointment time", "reschedule"),
        ("cancel and rebook please", "reschedule"),
        ("i want to cancel my appointment", "cancel"),
        ("i can't make it tomorrow", "cancel"),
        ("when is my next appointment", "list"),
        ("i'd like to confirm my appointment", "list"),
        ("do i have an appointment this week", "list"),
        ("do i have any appointments coming up", "list"),
        ("did i have anything booked for next week", "list"),
        ("i need a sick visit", "book"),
        ("can i have my appointment moved", "reschedule"),
        ("what time do you open", "hours"),
        ("what are your hours", "hours"),
        ("are you open saturday", "hours"),
        ("what's your address", "address"),
        ("where are you located", "address"),
        ("that's all bye", "goodbye"),
        ("no thank you", "goodbye"),
        ("purple monkey", None),
        ("", None),
    ],
)
def test_intents(said: str, intent: str | None) -> None:
    assert detect_intent(said) == intent


def test_goodbye_and_stop() -> None:
    assert is_goodbye("ok goodbye") and is_goodbye("i'm all set")
    assert not is_goodbye("book a checkup")
    assert is_stop("never mind") and is_stop("forget it")
    assert not is_stop("the first one")


@pytest.mark.parametrize(
    ("said", "answer"),
    [
        ("yes", "yes"),
        ("yeah that works", "yes"),
        ("yep", "yes"),
        ("sure go ahead", "yes"),
        ("that's right", "yes"),
        ("correct", "yes"),
        ("ok", "yes"),
        ("uh huh", "yes"),
        ("Yes, please.", "yes"),
        ("no problem go ahead", "yes"),
        ("no", "no"),
        ("nope", "no"),
        ("no that's not right", "no"),
        ("wrong", "no"),
        ("not really", "no"),
        ("wait", "no"),
        ("nah", "no"),
        ("don't", "no"),
        ("yes no", None),
        ("purple", None),
        ("", None),
        ("maybe", None),
    ],
)
def test_yes_no(said: str, answer: str | None) -> None:
    assert classify(said) == answer


def test_yes_no_digits() -> None:
    assert (classify_digits("1"), classify_digits("2#"), classify_digits("3")) == (
        "yes",
        "no",
        None,
    )


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("i need a flu shot", "vaccination"),
        ("i have the flu", "sick-visit"),
        ("annual physical", "checkup"),
        ("a check-up", "checkup"),
        ("follow up on my results", "follow-up"),
        ("a wellness visit", "checkup"),
        ("vaccine", "vaccination"),
        ("i have a sore throat", "sick-visit"),
        ("nothing in particular", None),
    ],
)
def test_appointment_types(said: str, code: str | None) -> None:
    assert catalog.match_appointment_type(said, CLINIC) == code


@pytest.mark.parametrize(
    ("said", "provider"),
    [
        ("with doctor patel", "dr-patel"),
        ("Dr. Okafor please", "dr-okafor"),
        ("nurse chen", "np-chen"),
        ("priya patel", "dr-patel"),
        ("james okafor", "dr-okafor"),
        ("lin chen", "np-chen"),
        ("anyone is fine", None),
        ("dr pattel", None),
    ],
)
def test_providers(said: str, provider: str | None) -> None:
    assert catalog.match_provider(said, CLINIC) == provider


def test_any_provider_and_faq() -> None:
    assert catalog.wants_any_provider("any doctor is fine")
    assert catalog.wants_any_provider("it doesn't matter")
    assert not catalog.wants_any_provider("doctor patel")
    entry = catalog.match_faq("where can I park?", CLINIC)
    assert entry is not None and entry.topic == "parking"
    assert catalog.match_faq("my name is sam parkinson", CLINIC) is None  # whole words only
    assert catalog.match_faq("book a checkup", CLINIC) is None


def _choice(day: int, hour: int, minute: int, provider: str, kind: str) -> Choice:
    return Choice(
        datetime(2026, 3, day, hour, minute, tzinfo=NY),
        tuple(p for p, pid in catalog.provider_phrases(CLINIC).items() if pid == provider),
        (kind,),
    )


OPTIONS = [
    _choice(17, 14, 30, "dr-patel", "checkup"),  # Tuesday
    _choice(17, 15, 0, "dr-okafor", "checkup"),  # Tuesday
    _choice(19, 9, 0, "dr-patel", "follow up"),  # Thursday
]


@pytest.mark.parametrize(
    ("said", "index"),
    [
        ("the second one", 1),
        ("yes the first", 0),
        ("third", 2),
        ("2", 1),
        ("1", 0),
        ("the last one", 2),
        ("the earliest", 0),
        ("number two", 1),
        ("option three", 2),
        ("the 2:30", 0),
        ("two thirty", 0),
        ("the 3 pm", 1),
        ("three o'clock", 1),
        ("thursday", 2),
        ("the one with dr okafor", 1),
        ("okafor", 1),
        ("the follow up", 2),
        ("tuesday with patel", 0),
        ("tuesday at 3", 1),
        ("tuesday", None),
        ("patel", None),
        ("4", None),
        ("the fourth", None),
        ("hmm", None),
        ("friday", None),
        ("the 4:45", None),
        ("", None),
    ],
)
def test_picks(said: str, index: int | None) -> None:
    assert pick(said, OPTIONS, NY) == index


def test_pick_with_no_options() -> None:
    assert pick("the first", [], NY) is None


@pytest.mark.parametrize(
    ("n", "word"),
    [
        (1, "first"),
        (2, "second"),
        (12, "twelfth"),
        (20, "twentieth"),
        (21, "twenty-first"),
        (23, "twenty-third"),
        (30, "thirtieth"),
        (31, "thirty-first"),
    ],
)
def test_ordinal_words(n: int, word: str) -> None:
    assert speech.ordinal_word(n) == word


def test_speech_forms() -> None:
    at = datetime(2026, 12, 1, 14, 30, tzinfo=NY)
    assert speech.say_when(at) == "Tuesday, December first at 2:30 PM"
    assert speech.say_clock(datetime(2026, 1, 1, 12).time()) == "noon"
    assert speech.say_clock(datetime(2026, 1, 1, 0, 5).time()) == "12:05 AM"
    assert speech.join_words(["a", "b", "c"], "or") == "a, b, or c"
    assert speech.join_words(["a", "b"]) == "a and b"
    assert speech.join_words([]) == ""
    assert speech.with_article("annual checkup") == "an annual checkup"
    assert speech.say_phone("+15550100100") == "555-010-0100"
    assert speech.say_phone("+44 20 7946 0958") == "+44 20 7946 0958"
    assert speech.say_hours(CLINIC) == (
        "We're open Monday through Wednesday from 8 AM to 5 PM, Thursday from 8 AM to 7 PM, "
        "Friday from 8 AM to 4 PM, and Saturday from 9 AM to noon. We're closed on Sunday."
    )


def test_clauses_cut_at_sentence_ends_and_conjunctions_not_commas() -> None:
    assert clauses("Do you take Medicare and can I book a checkup?") == [
        "do you take medicare",
        "can i book a checkup",
    ]
    assert clauses("Where can I park, when I come in?") == ["where can i park when i come in"]
    assert clauses("Hi. I'd like to book; also, where is it?") == [
        "hi",
        "id like to book",
        "where is it",
    ]
    assert clauses("") == []


@pytest.mark.parametrize(
    ("clause", "question"),
    [
        ("where can i park when i come in", True),
        ("Hi, how do I get a refill?", True),
        ("um do you take medicare", True),
        ("i want to come in", False),
        ("id like to book a checkup where i park", False),
        ("whereabouts", False),
    ],
)
def test_is_question(clause: str, question: bool) -> None:
    assert is_question(clause) is question


@pytest.mark.parametrize(
    ("said", "about_hours"),
    [
        ("wait, how late are you open on thursdays?", True),
        ("what time do you close on friday", True),
        ("are you open saturday morning?", True),
        ("do you have anything open tuesday", False),  # availability, not hours
        ("is there an opening thursday afternoon", False),
        ("thursday evening", False),  # not a question
        ("i want to cancel, are you open tomorrow", False),
    ],
)
def test_asks_about_hours(said: str, about_hours: bool) -> None:
    assert asks_about_hours(said) is about_hours


@pytest.mark.parametrize(
    ("said", "position"),
    [
        ("the third one", 2),
        ("i'll take the first option", 0),
        ("number five please", 4),
        ("the third", None),  # may be a date: left to the date parser
        ("the third at 2", None),
        ("tuesday", None),
    ],
)
def test_named_position(said: str, position: int | None) -> None:
    assert named_position(said) == position


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        # A statement after a confident question does not turn it into a booking.
        ("Hello. Could you tell me where your office is? I've not been there before.", "address"),
        # A question and a request of its own: the request wins.
        ("do you take medicare and can I book a checkup for next week", "book"),
        # No word the model knows: a guess from character grams alone is not a request.
        ("purple elephant seventeen", "other"),
    ],
)
def test_what_outranks_what(said: str, intent: str) -> None:
    from orchestrator.understanding.intents import classify_intent

    assert classify_intent(said).intent == intent
