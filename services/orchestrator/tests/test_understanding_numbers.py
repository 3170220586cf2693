"""Spoken numbers to digits, as the date and time parsers need them."""

from __future__ import annotations

import pytest

from orchestrator.understanding.numbers import (
    group_numbers,
    normalise_for_dates,
    number_value,
    ordinal_suffix,
    tokenize,
)


@pytest.mark.parametrize(
    ("said", "normalised"),
    [
        ("the fourteenth at three thirty", "the 14th at 3:30"),
        ("nineteen eighty", "1980"),
        ("nineteen oh five", "1905"),
        ("twenty twenty six", "2026"),
        ("two thousand and five", "2005"),
        ("two thousand five", "2005"),
        ("oh three oh three nineteen eighty", "03 03 1980"),
        ("the second one", "the 2nd one"),
        ("that one", "that one"),
        ("half past two", "2:30"),
        ("quarter past eleven", "11:15"),
        ("quarter to four", "3:45"),
        ("quarter to one", "12:45"),
        ("three oh five p m", "3:05 pm"),
        ("ten o'clock", "10:00"),
        ("the twenty-first", "the 21st"),
        ("the thirtieth", "the 30th"),
        ("March 3rd, 1980", "march 3rd 1980"),
        ("one hundred and five", "105"),
        ("at 3:30PM", "at 3:30 pm"),
        ("in two weeks", "in 2 weeks"),
        ("ten a m", "10 am"),
    ],
)
def test_normalise_for_dates(said: str, normalised: str) -> None:
    assert normalise_for_dates(said) == normalised


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("twenty one", 21),
        ("21st", 21),
        ("three", 3),
        ("seventy-seventh", 77),
        ("two hundred", 200),
        ("hello", None),
        ("one two", None),
        ("", None),
    ],
)
def test_number_value(text: str, value: int | None) -> None:
    assert number_value(text) == value


@pytest.mark.parametrize(
    ("n", "suffix"),
    [
        (1, "st"),
        (2, "nd"),
        (3, "rd"),
        (4, "th"),
        (11, "th"),
        (12, "th"),
        (13, "th"),
        (21, "st"),
        (22, "nd"),
        (101, "st"),
    ],
)
def test_ordinal_suffix(n: int, suffix: str) -> None:
    assert ordinal_suffix(n) == suffix


def test_tokenize_drops_apostrophes_and_splits_hyphens() -> None:
    assert tokenize("Can't make it at twenty-one o'clock, 3/3/1980!") == [
        "cant",
        "make",
        "it",
        "at",
        "twenty",
        "one",
        "oclock",
        "3/3/1980",
    ]


def test_oh_alone_is_a_word_not_a_zero() -> None:
    items = group_numbers(tokenize("oh i need to book"))
    assert items[0] == "oh"
