"""Names and dates of birth as callers say or type them."""

from __future__ import annotations

from datetime import date

import pytest

from orchestrator.understanding.identity import (
    introduced_name,
    is_partial_name,
    name_before_date,
    parse_dob,
    parse_dob_digits,
    parse_name,
    partial_name,
)

TODAY = date(2026, 3, 11)


@pytest.mark.parametrize(
    ("said", "born"),
    [
        ("march third nineteen eighty", date(1980, 3, 3)),
        ("3/3/1980", date(1980, 3, 3)),
        ("03-03-1980", date(1980, 3, 3)),
        ("3-3-80", date(1980, 3, 3)),
        ("the third of march 1980", date(1980, 3, 3)),
        ("the third of march nineteen eighty", date(1980, 3, 3)),
        ("oh three oh three nineteen eighty", date(1980, 3, 3)),
        ("zero three zero three nineteen eighty", date(1980, 3, 3)),
        ("0 3 0 3 1 9 8 0", date(1980, 3, 3)),
        ("03031980", date(1980, 3, 3)),
        ("1980-03-03", date(1980, 3, 3)),
        ("it's March 3rd, 1980", date(1980, 3, 3)),
        ("my birthday is december twenty fifth two thousand and five", date(2005, 12, 25)),
        ("twelve twenty five nineteen ninety", date(1990, 12, 25)),
        ("march nineteen nineteen ninety", date(1990, 3, 19)),
        ("may fifth eighty five", date(1985, 5, 5)),
        ("june the first nineteen oh five", date(1905, 6, 1)),
        ("january 1 2000", date(2000, 1, 1)),
        ("feb 29 2000", date(2000, 2, 29)),
        ("7/4/05", date(2005, 7, 4)),
        ("the thirty first of october nineteen seventy one", date(1971, 10, 31)),
    ],
)
def test_dates_of_birth(said: str, born: date) -> None:
    assert parse_dob(said, TODAY) == born


@pytest.mark.parametrize(
    "said",
    [
        "july 4 2030",  # future
        "february thirtieth 1990",  # no such day
        "feb 29 2001",
        "march third 1880",  # before 1900
        "i dont know",
        "",
        "march",
        "13/01/1980",  # no 13th month (US order)
        "the third",
    ],
)
def test_invalid_dates_of_birth(said: str) -> None:
    assert parse_dob(said, TODAY) is None


@pytest.mark.parametrize(
    ("digits", "born"),
    [("03031980", date(1980, 3, 3)), ("03031980#", date(1980, 3, 3)),
     ("120599", date(1999, 12, 5)), ("010120", date(2020, 1, 1)), ("0303", None),
     ("13011980", None), ("", None)],
)  # fmt: skip
def test_keypad_dates_of_birth(digits: str, born: date | None) -> None:
    assert parse_dob_digits(digits, TODAY) == born


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("my name is jane doe", "Jane Doe"),
        ("John Smith", "John Smith"),
        ("this is mary-ann o'brien", "Mary-Ann O'Brien"),
        ("yeah it's jose luis garcia lopez thanks", "Jose Luis Garcia Lopez"),
        ("um my full name is priya k sharma", "Priya K Sharma"),
        ("i'm tom jones", "Tom Jones"),
    ],
)
def test_names(said: str, name: str) -> None:
    assert parse_name(said) == name


@pytest.mark.parametrize(
    "said",
    ["john", "i want to book an appointment", "what", "", "why do you need my name",
     "one two three", "a b c d e f g"],
)  # fmt: skip
def test_not_names(said: str) -> None:
    assert parse_name(said) is None


@pytest.mark.parametrize(
    ("said", "word"),
    [
        ("john", "John"),
        ("it's Mary-Ann", "Mary-Ann"),
        ("o'brien", "O'Brien"),
        ("Thompson.", "Thompson"),
        ("john smith", None),
        ("okay", None),
        ("hello", None),
        ("seventeen", None),
        ("j", None),
    ],
)
def test_partial_name_word(said: str, word: str | None) -> None:
    assert partial_name(said) == word


def test_partial_name() -> None:
    assert is_partial_name("john")
    assert is_partial_name("it's john")
    assert not is_partial_name("john smith")
    assert not is_partial_name("what")


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("Mary-Ann Thompson, born October tenth nineteen ninety", "Mary-Ann Thompson"),
        ("this is David O'Brien and my date of birth is 9/17/1988", "this is David O'Brien"),
        ("jane doe born on the third of march 1980", "jane doe"),
        ("john smith march third 1980", "john smith"),
        ("march third 1980", ""),
    ],
)
def test_name_before_date(said: str, name: str) -> None:
    assert name_before_date(said) == name


def test_name_before_date_then_parse_name_keeps_hyphens() -> None:
    said = "This is Mary-Ann Thompson, born October tenth nineteen ninety"
    assert parse_name(name_before_date(said)) == "Mary-Ann Thompson"


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("yeah my name's Jane Doe", "Jane Doe"),
        ("it's Doe, Jane", "Jane Doe"),
        ("Doe, Jane", "Jane Doe"),
        ("Jane Doe, D O E", "Jane Doe"),
        ("Jane Dough, D O E", "Jane Doe"),  # the spelling corrects what was heard
        ("Aisha Khan, that's A-I-S-H-A", "Aisha Khan"),
        ("José García", "José García"),
        ("zoë müller", "Zoë Müller"),
        ("my name is Siobhán O'Connor", "Siobhán O'Connor"),
    ],
)
def test_name_forms(said: str, name: str) -> None:
    assert parse_name(said) == name


def test_accented_names_volunteered_or_alone() -> None:
    assert introduced_name("my name is José García and I need an appointment") == "José García"
    assert introduced_name("hi this is Zoë Müller calling about my bill") == "Zoë Müller"
    assert partial_name("it's Zoë") == "Zoë"
