"""Known values are redacted however they are later written or spoken."""

from __future__ import annotations

import pytest

import phi

KNOWN = phi.Known.of(
    names="Maria Lopez",
    date_of_birth="1980-03-03",
    phones="(212) 555-0123",
    emails="maria.lopez82@gmail.com",
    mrns="A1234567",
    addresses="421 Oak Avenue, Springfield, IL 62704",
    other_ids="XJ45567",
)


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize(
    ("text", "raw", "entity"),
    [
        ("yes maria speaking", "maria", "NAME"),
        ("tell LOPEZ the results are in", "LOPEZ", "NAME"),
        ("ok Maria Lopez, got it", "Maria Lopez", "NAME"),
        ("that's m-a-r-i-a", "m-a-r-i-a", "NAME"),
        ("so l o p e z right", "l o p e z", "NAME"),
        ("march third nineteen eighty", "march third nineteen eighty", "DATE"),
        ("it was 03/03/1980", "03/03/1980", "DATE"),
        ("oh three oh three eighty", "oh three oh three eighty", "DATE"),
        ("three three eighty", "three three eighty", "DATE"),
        (
            "two one two five five five oh one two three",
            "two one two five five five oh one two three",
            "PHONE",
        ),
        ("try 555-0123", "555-0123", "PHONE"),
        ("it's double five five oh one two three", "double five five oh one two three", "PHONE"),
        ("the last four are oh one two three", "oh one two three", "PHONE"),
        (
            "maria dot lopez eight two at gmail dot com",
            "maria dot lopez eight two at gmail dot com",
            "EMAIL",
        ),
        ("MARIA.LOPEZ82@GMAIL.COM", "MARIA.LOPEZ82@GMAIL.COM", "EMAIL"),
        ("a one two three four five six seven", "a one two three four five six seven", "MRN"),
        ("x j four five five six seven", "x j four five five six seven", "ID"),
        ("still on oak avenue", "oak avenue", "ADDRESS"),
        ("four twenty one oak ave", "four twenty one oak ave", "ADDRESS"),
        ("we are in springfield", "springfield", "ADDRESS"),
        ("six two seven oh four", "six two seven oh four", "ZIP"),
    ],
)
def test_known_mentions(text: str, raw: str, entity: str, strict: bool) -> None:
    red = phi.redact(text, KNOWN, strict=strict)
    assert raw not in red.text
    hits = [s for s in red.spans if text[s.start : s.end] == raw or raw in text[s.start : s.end]]
    assert hits and hits[0].entity.value == entity
    assert hits[0].source is phi.Source.KNOWN


def test_known_needed_for_bare_mentions() -> None:
    # Without Known, a bare first name is not detectable; with it, it is.
    assert phi.redact("yes maria speaking", strict=False).text == "yes maria speaking"
    assert phi.redact("yes maria speaking", KNOWN, strict=False).text == "yes [NAME] speaking"


def test_known_part_in_allow_list_is_kept_but_full_name_is_not() -> None:
    known = phi.Known.of(names="Maria Patel")
    allow = ("Dr. Priya Patel",)
    assert phi.redact("Dr. Patel will call", known, allow=allow).text == "Dr. Patel will call"
    assert phi.redact("this is maria patel", known, allow=allow).text == "this is [NAME]"


def test_matchers_cached_per_known() -> None:
    from phi._known import matcher_for

    assert matcher_for(KNOWN) is matcher_for(
        phi.Known.of(
            names="Maria Lopez",
            date_of_birth="1980-03-03",
            phones="(212) 555-0123",
            emails="maria.lopez82@gmail.com",
            mrns="A1234567",
            addresses="421 Oak Avenue, Springfield, IL 62704",
            other_ids="XJ45567",
        )
    )


def test_patient_sharing_a_staff_first_name_is_still_redacted() -> None:
    staff = ("Dr. James Okafor", "James Okafor", "doctor okafor")
    engine = phi.Engine(strict=True, allow=staff)
    assert engine.redact("my name is James Smith").text == "my name is [NAME]"
    # Staff names alone, in full or in part, stay.
    assert engine.redact("I'd like to see James Okafor").text == "I'd like to see James Okafor"
    assert engine.redact("this is James").text == "this is James"


def test_surname_after_a_staff_first_name_decides_whatever_its_case() -> None:
    engine = phi.Engine(strict=True, allow=("Dr. Priya Patel",))
    assert engine.redact("my name is Priya smith").text == "my name is [NAME]"
    assert engine.redact("this is Priya calling about").text == "this is Priya calling about"
