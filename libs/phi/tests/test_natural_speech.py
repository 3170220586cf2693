"""The classes that leaked on natural speech: grouped digits, cue-less names, non-ASCII names,
towns after a street address — in ``redact``, the stream and with ``Known`` alike."""

from __future__ import annotations

import pytest

import phi

PHONE_IN_GROUPS = [
    "my cell is eight four three... six four one... four five oh seven",
    "my cell is eight four three. six four one. four five oh seven. thanks",
    "area code seven two two, then four three four, uh, five five six seven",
    "it's eight four three, um, six four one, hmm, four five oh seven",
    "eight four three\u2026 six four one\u2026 four five oh seven",
]


@pytest.mark.parametrize("text", PHONE_IN_GROUPS)
def test_a_number_said_in_groups_is_redacted_whole(text: str) -> None:
    out = phi.redact(text).text
    for group in ("eight four three", "six four one", "seven two two", "four three four"):
        assert group not in out
    assert "[PHONE]" in out


def test_a_social_said_in_groups_with_fillers_is_one_ssn() -> None:
    red = phi.redact("my social is one two three, uh, four five, six seven eight nine")
    assert red.text == "my social is [SSN]"


def test_a_group_said_alone_as_a_turn_is_redacted_but_counts_are_not() -> None:
    assert phi.redact("um it's eight four three").text == "um it's [ID]"
    assert phi.redact("I have three kids and two dogs").text == "I have three kids and two dogs"
    assert phi.redact("come at three thirty, um, and bring 2 pills").spans == ()


@pytest.mark.parametrize(
    "chunks",
    [
        ["my number is eight four three... ", "six four one... ", "four five oh seven. ok"],
        ["my number is eight four three", ". six four one", ". four five oh seven. ok"],
        ["area code seven two two, then ", "four three four, uh, five five ", "six seven\n"],
    ],
)
def test_a_group_split_across_stream_chunks_never_leaves_raw(chunks: list[str]) -> None:
    stream = phi.StreamRedactor()
    outputs = [stream.feed(chunk) for chunk in chunks] + [stream.close()]
    assert "".join(outputs) == phi.redact("".join(chunks)).text
    for out in outputs:
        for group in ("eight four three", "six four one", "seven two two", "four three four"):
            assert group not in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("okay so Keisha Dimitriou, march third 1980", "okay so [NAME], [DATE]"),
        ("okay so keisha dimitriou march third nineteen eighty", "okay so [NAME] [DATE]"),
        ("jose garcia and my date of birth is 3/4/81", "[NAME] and my date of birth is [DATE]"),
        ("Zoë Müller, and my cell is 555 123 4567", "[NAME], and my cell is [PHONE]"),
        ("Hello, Nguyễn Thị Hoa, I need to reschedule", "Hello, [NAME], I need to reschedule"),
        ("hi this is Siobhán O\u2019Connor calling", "hi this is [NAME] calling"),
        ("um, Björn Andersson, born 12/5/1950", "um, [NAME], born [DATE]"),
        ("my name is Łukasz Wójcik", "my name is [NAME]"),
    ],
)
def test_names_without_a_cue_or_with_accents(text: str, expected: str) -> None:
    assert phi.redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "I need a flu shot March 3",
        "Physical therapy, Tuesday March 3",
        "Good morning, I would like to book a checkup",
        "Tuesday works",
        "can I see Dr. Núñez on Friday at ten thirty",
    ],
)
def test_clinic_talk_is_left_alone(text: str) -> None:
    spans = phi.detect(text, allow=["Dr. Ana Núñez"])
    assert [s for s in spans if s.entity is phi.Entity.NAME] == []


def test_known_names_match_with_or_without_accents_and_decomposed() -> None:
    known = phi.Known.of(names="José García")
    assert phi.redact("yes jose garcia", known).text == "yes [NAME]"
    assert phi.redact("GARCÍA", known).text == "[NAME]"
    decomposed = "it's Jose\u0301 Garci\u0301a"  # "e" + combining acute accent
    red = phi.redact(decomposed, known)
    assert red.text == "it's [NAME]"
    assert decomposed[red.spans[0].start : red.spans[0].end] == "Jose\u0301 Garci\u0301a"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live at 12 Elm Street in Brookline", "I live at [ADDRESS] in [ADDRESS]"),
        (
            "my address is 4 Oak Road in Jamaica Plain, Massachusetts",
            "my address is [ADDRESS] in [ADDRESS], Massachusetts",
        ),
        ("12 Elm St in the back", "[ADDRESS] in the back"),
    ],
)
def test_the_town_after_a_street_address(text: str, expected: str) -> None:
    assert phi.redact(text).text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A name said again, with the rest of it: every mention goes.
        (
            "it's Glenn, sorry, Glenn Ó Maolfhábhaill, I mean the full name",
            "it's [NAME], sorry, [NAME], I mean the full name",
        ),
        (
            "Zoë Müller, no, Zoë is my first name, Müller the last",
            "[NAME], no, [NAME] is my first name, [NAME] the last",
        ),
        ("it's for my son, he's Tomáš, Tomáš Pavlík", "it's for my son, he's [NAME], [NAME]"),
        # Speech-to-text drops the apostrophe of "name's".
        (
            "date of birth 02/06/1944 and the names agatha da mota",
            "date of birth [DATE] and the names [NAME]",
        ),
        # A word and its spelling.
        (
            "Kate, that's K A T E, and the last name Spier",
            "[NAME], that's [NAME], and the last name [NAME]",
        ),
    ],
)
def test_a_name_said_again_or_spelled(text: str, expected: str) -> None:
    assert phi.redact(text).text == expected


def test_a_phone_number_ending_in_a_time_shaped_group() -> None:
    assert phi.redact("my number is five five five, uh, twelve thirty four").text == (
        "my number is [PHONE]"
    )
    assert phi.redact("can I come at 3, uh, ten thirty").spans == ()


@pytest.mark.parametrize("text", ["my m r n is 73403632", "my d o b is 3/4/81"])
def test_an_acronym_said_letter_by_letter_is_not_a_name(text: str) -> None:
    assert all(s.entity is not phi.Entity.NAME for s in phi.detect(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi it's me again, Tom, Tom Becker", "hi it's me again, [NAME], [NAME]"),
        ("my name is Villaseñor, Aaliyah Villaseñor", "my name is [NAME], [NAME]"),
        (
            "she lives over in Roxbury with her sister",
            "she lives over in [ADDRESS] with her sister",
        ),
        # Times, staff, organisations and title-cased text stay.
        ("Tuesday at 10:30 works", "Tuesday at 10:30 works"),
        ("I have Blue Cross Blue Shield", "I have Blue Cross Blue Shield"),
        (
            "Thanks for calling Maple Street Family Clinic",
            "Thanks for calling Maple Street Family Clinic",
        ),
        ("Is Dr. Priya Patel In On Monday", "Is Dr. Priya Patel In On Monday"),
    ],
)
def test_capitalised_names_anywhere_in_strict_mode(text: str, expected: str) -> None:
    assert phi.redact(text, allow=["Dr. Priya Patel"]).text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The first group after a phone or social cue is already part of the number.
        ("my cell is eight four three", "my cell is [PHONE]"),
        ("my social is one two three", "my social is [SSN]"),
        # A group quoted alone, as a handoff summary quotes what was not understood.
        ("could not understand: 'six four one'.", "could not understand: '[ID]'."),
        ("I'd like 'room one two three' please", "I'd like 'room one two three' please"),
        ("call me at five", "call me at five"),
    ],
)
def test_a_first_or_quoted_group(text: str, expected: str) -> None:
    assert phi.redact(text).text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("keisha dimitriou", "[NAME]"),
        ("jose garcia.", "[NAME]."),
        ("sore throat", "sore throat"),
        ("um knee pain", "um knee pain"),
        ("tuesday morning.", "tuesday morning."),
        ("physical therapy", "physical therapy"),
    ],
)
def test_an_answer_that_is_only_a_name_in_lower_case(text: str, expected: str) -> None:
    assert phi.redact(text).text == expected
    assert phi.redact(text, strict=False).text == text  # normal mode needs a cue


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "it's about my little boy Lucas, he was born 5/3/16",
            "it's about my little boy [NAME], he was born [DATE]",
        ),
        (
            "please call me back, it's Aimée Parent, I'm so worried",
            "please call me back, it's [NAME], I'm so worried",
        ),
        ("last name Ó Déadaigh, first name Fionna", "last name [NAME], first name [NAME]"),
        ("name Kyano van Haeften, DOB 4/27/79", "name [NAME], DOB [DATE]"),
        (
            "sí, hola, my name es Raul da Cunha, para una cita",
            "sí, hola, my name es [NAME], para una cita",
        ),
        ("sorry I'm shaking, okay", "sorry I'm shaking, okay"),
        ("I don't know my chart number", "I don't know my chart number"),
        (
            "i was born in 1970 i think my chart says 12/9/70",
            "i was born in [DATE] i think my chart says [DATE]",
        ),
    ],
)
def test_more_places_a_name_stands(text: str, expected: str) -> None:
    assert phi.redact(text).text == expected


def test_a_date_is_not_the_first_group_of_the_phone_after_it() -> None:
    text = (
        "Jean Gomez, october thirteenth, 1943, eight eight nine, hmm, five nine nine then"
        " four three two nine."
    )
    assert phi.redact(text).text == "[NAME], [DATE], [PHONE]."
    twice = (
        "call me at three five six, nine four nine, one oh oh six, again that's"
        " three five six, nine four nine, one oh oh six"
    )
    assert phi.redact(twice).text == "call me at [PHONE], again that's [PHONE]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes it's me, Keisha", "yes it's me, [NAME]"),
        ("okay so it's under Dimitriou", "okay so it's under [NAME]"),
        ("it's under the name Okafor", "it's under the name [NAME]"),
        ("it's me again", "it's me again"),
    ],
)
def test_it_is_me_and_under_a_name(text: str, expected: str) -> None:
    assert phi.redact(text).text == expected
