"""Per-entity positives and hard negatives, in both modes."""

from __future__ import annotations

import pytest

import phi

BOTH = [True, False]


def redacted(text: str, strict: bool = True, **kw: object) -> str:
    return phi.redact(text, strict=strict, **kw).text  # type: ignore[arg-type]


def found(text: str, strict: bool = True) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.entity.value) for s in phi.detect(text, strict=strict)]


@pytest.mark.parametrize("strict", BOTH)
@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        ("my name is maria lopez and I need a refill", "maria lopez", "NAME"),
        ("Hi, this is John Smith calling about my results", "John Smith", "NAME"),
        ("it's Maria, I called yesterday", "Maria", "NAME"),
        ("I'm calling for my daughter Emma, she has a fever", "Emma", "NAME"),
        ("name's jake peralta", "jake peralta", "NAME"),
        ("yes this is Mrs. Okonkwo returning your call", "Okonkwo", "NAME"),
        ("the patient is Rahul Mehta", "Rahul Mehta", "NAME"),
        ("Kevin Hamilton speaking, you left a message", "Kevin Hamilton", "NAME"),
        ("my last name is smith, spelled S-M-I-T-H", "S-M-I-T-H", "NAME"),
        (
            "that's s as in sam, m as in mary, i as in ida",
            "s as in sam, m as in mary, i as in ida",
            "NAME",
        ),
        ("my date of birth is march third nineteen eighty", "march third nineteen eighty", "DATE"),
        ("born on the third of march, 1980", "the third of march, 1980", "DATE"),
        ("DOB 3/3/80 please", "3/3/80", "DATE"),
        ("it's 03-03-1980", "03-03-1980", "DATE"),
        ("date of birth 1980-03-03", "1980-03-03", "DATE"),
        ("date of birth oh three oh three eighty", "oh three oh three eighty", "DATE"),
        ("I was born in nineteen eighty", "nineteen eighty", "DATE"),
        ("my surgery was on march 3rd", "march 3rd", "DATE"),
        ("I'm ninety two and I live alone", "ninety two", "AGE"),
        ("she is 92 years old", "92", "AGE"),
        ("age 95, fell at home", "95", "AGE"),
        ("he's a hundred and one", "a hundred and one", "AGE"),
        ("call me back at (555) 012-3456", "(555) 012-3456", "PHONE"),
        ("my number is 555 012 3456", "555 012 3456", "PHONE"),
        ("reach me at +1 555 012 3456", "+1 555 012 3456", "PHONE"),
        (
            "my cell is five five five, oh one two, three four five six",
            "five five five, oh one two, three four five six",
            "PHONE",
        ),
        (
            "fax it to double five five oh one two triple three four",
            "double five five oh one two triple three four",
            "PHONE",
        ),
        ("my phone is 555 oh one two three", "555 oh one two three", "PHONE"),
        ("email me at john dot smith at gmail dot com", "john dot smith at gmail dot com", "EMAIL"),
        (
            "it's j smith underscore 12 at yahoo dot com",
            "j smith underscore 12 at yahoo dot com",
            "EMAIL",
        ),
        ("send it to maria.lopez@example.org", "maria.lopez@example.org", "EMAIL"),
        ("my social is 123-45-6789", "123-45-6789", "SSN"),
        (
            "social is one two three four five six seven eight nine",
            "one two three four five six seven eight nine",
            "SSN",
        ),
        ("the last four of my social are 6789", "6789", "SSN"),
        ("my medical record number is A1234567", "A1234567", "MRN"),
        ("MRN 00123456", "00123456", "MRN"),
        ("chart number is four four two one nine", "four four two one nine", "MRN"),
        ("my member id is XJ4 5567", "XJ4 5567", "ACCOUNT"),
        (
            "the policy number is w one two three four five six",
            "w one two three four five six",
            "ACCOUNT",
        ),
        ("group number 884421", "884421", "ACCOUNT"),
        ("my driver's license number is D1234567", "D1234567", "ID"),
        ("the license plate is 7ABC123", "7ABC123", "ID"),
        ("the serial number on the device is SN448812", "SN448812", "ID"),
        ("I live at 123 Main Street", "123 Main Street", "ADDRESS"),
        (
            "it's four twenty one oak avenue apartment 5",
            "four twenty one oak avenue apartment 5",
            "ADDRESS",
        ),
        ("send it to P.O. box 42", "P.O. box 42", "ADDRESS"),
        ("I live in Springfield now", "Springfield", "ADDRESS"),
        ("my zip code is 90210", "90210", "ZIP"),
        ("zip is nine oh two one oh", "nine oh two one oh", "ZIP"),
        ("Springfield, IL 62704-1234", "62704-1234", "ZIP"),
        (
            "the portal is https://portal.example.com/login",
            "https://portal.example.com/login",
            "URL",
        ),
        ("go to www.clinic.org", "www.clinic.org", "URL"),
        ("my ip is 192.168.1.20", "192.168.1.20", "IP"),
        ("blocked from 2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3::8a2e:370:7334", "IP"),
    ],
)
def test_positive(text: str, value: str, entity: str, strict: bool) -> None:
    spans = found(text, strict)
    assert any(v == value and e == entity for v, e in spans) or any(
        value in v and e == entity for v, e in spans
    ), spans
    assert value not in redacted(text, strict)


@pytest.mark.parametrize("strict", BOTH)
@pytest.mark.parametrize(
    "text",
    [
        "this is about my appointment",
        "I'm calling to reschedule",
        "I'm not sure if I need a follow up",
        "can I come in at three thirty on tuesday",
        "the office closes at 5:30 pm",
        "is nine a.m. okay",
        "I'd like ten thirty next tuesday afternoon",
        "I've had this for three days",
        "take two pills twice a day",
        "the pain is a ten out of ten",
        "I take 500 milligrams of ibuprofen",
        "a refill of 1000 mg metformin please",
        "I'm 45 years old",
        "she is eighty nine",
        "press one for scheduling, press two for billing",
        "my blood pressure was one forty over ninety",
        "can I come in tomorrow or next tuesday",
        "it's been two weeks and the rash is still there",
        "Thank you so much, have a good day.",
        "the bill was 250 dollars",
    ],
)
def test_hard_negative(text: str, strict: bool) -> None:
    assert phi.detect(text, strict=strict) == []


def test_provider_names_in_allow_are_never_names() -> None:
    allow = ("Dr. Priya Patel", "Nurse Carla Rossi")
    for text in (
        "I'd like to see Dr. Patel next week",
        "this is Priya Patel's office",
        "is Carla in today",
        "my name is Maria and I see Dr. Priya Patel",
    ):
        for strict in BOTH:
            out = redacted(text, strict, allow=allow)
            assert "Patel" in out if "Patel" in text else True
            assert "Priya" in out if "Priya" in text else True
            assert "Carla" in out if "Carla" in text else True
    assert redacted("my name is Maria and I see Dr. Priya Patel", allow=allow) == (
        "my name is [NAME] and I see Dr. Priya Patel"
    )
    # without the allow list a provider after a person cue would be redacted
    assert "Patel" not in redacted("this is Priya Patel calling")


def test_strict_only_candidates() -> None:
    text = "the code on the box was 4471"
    assert "4471" not in redacted(text, True)
    assert "4471" in redacted(text, False)
    spelled = "it goes j o n e s"
    assert "j o n e s" not in redacted(spelled, True)
    assert "j o n e s" in redacted(spelled, False)
    # long un-cued digit runs are identifiers in both modes
    for strict in BOTH:
        assert "12345678" not in redacted("the number on the letter is 12345678 i think", strict)


def test_appointment_relative_dates_are_not_phi() -> None:
    for strict in BOTH:
        assert redacted("can I come on the fourteenth at three thirty", strict) == (
            "can I come on the fourteenth at three thirty"
        )


def test_lower_case_transcripts() -> None:
    assert redacted("hi this is maria lopez calling about my refill") == (
        "hi this is [NAME] calling about my refill"
    )
    assert redacted("my name is maria lopez date of birth march third nineteen eighty") == (
        "my name is [NAME] date of birth [DATE]"
    )


def test_boundaries_do_not_split_abbreviations() -> None:
    text = "I live at 12 N. Main St. Springfield. Call Mr. Okafor at 555-0123."
    out = redacted(text)
    assert "Main" not in out and "Okafor" not in out and "555-0123" not in out
