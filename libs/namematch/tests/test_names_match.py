"""Names as callers say them, against a record's first and last name."""

from __future__ import annotations

import pytest

from namematch import fold, names_match, spelled_words, without_spelling


@pytest.mark.parametrize(
    ("said", "first", "last"),
    [
        ("jane doe", "Jane", "Doe"),
        ("Doe, Jane", "Jane", "Doe"),
        ("doe jane", "Jane", "Doe"),
        ("Jane Doe, D O E", "Jane", "Doe"),
        ("Aisha Khan, that's A-I-S-H-A", "Aisha", "Khan"),
        ("Zoe Mueller", "Zoë", "Müller"),
        ("zoë müller", "Zoe", "Mueller"),
        ("jose garcia", "José", "García"),
        ("JOSÉ GARCÍA", "José", "García"),
        ("Siobhan O'Connor", "Siobhán", "O'Connor"),
        ("mary ann thompson", "Mary-Ann", "Thompson"),
        ("maryann thompson", "Mary Ann", "Thompson"),
        ("maria elena lopez", "Maria", "Lopez"),
        ("jane dough", "Jane", "Doe"),  # sounds alike; the first name is exact
        ("jane kahn", "Jane", "Khan"),
        ("strasse anna", "Anna", "Straße"),
        ("jane d o e", "Jane", "Dough"),  # spelled out: the letters win over the sound
    ],
)
def test_the_same_person(said: str, first: str, last: str) -> None:
    assert names_match(said, first, last)


@pytest.mark.parametrize(
    ("said", "first", "last"),
    [
        ("john doe", "Jane", "Doe"),
        ("jon doe", "Jane", "Doe"),
        ("jane smith", "Jane", "Doe"),
        ("jan dough", "Jane", "Doe"),  # both parts only alike: too loose for identity
        ("stephen smyth", "Steven", "Smith"),
        ("jane", "Jane", "Doe"),
        ("doe", "Jane", "Doe"),
        ("", "Jane", "Doe"),
        ("bill smith", "William", "Smith"),  # a nickname only counts when the record has it
    ],
)
def test_someone_else(said: str, first: str, last: str) -> None:
    assert not names_match(said, first, last)


def test_nicknames_the_record_holds() -> None:
    assert names_match("bill smith", "William", "Smith", nicknames=("Bill", "Will"))
    assert not names_match("billy smith", "William", "Smith", nicknames=("Bill",))


def test_spelling_and_folding() -> None:
    assert spelled_words("Jane Doe, D O E") == ["doe"]
    assert spelled_words("Aisha Khan, that's A-I-S-H-A") == ["aisha"]
    assert spelled_words("k as in kilo") == []
    assert without_spelling("Aisha Khan, that's A-I-S-H-A") == "Aisha Khan"
    assert without_spelling("Jane Doe, D O E") == "Jane Doe"
    assert fold("Zoë Müller-Straße") == "zoe muller strasse"


def test_identity_checks_can_refuse_sound_alikes() -> None:
    assert names_match("jane dough", "Jane", "Doe")
    assert not names_match("jane dough", "Jane", "Doe", sound_alike=False)
    assert not names_match("mario lopez", "Maria", "Lopez", sound_alike=False)
    # Spelled letters, German ue, accents and nicknames stay accepted.
    assert names_match("jane doe d o e", "Jane", "Doe", sound_alike=False)
    assert names_match("Zoe Mueller", "Zoë", "Müller", sound_alike=False)
    assert names_match("bill smith", "William", "Smith", nicknames=("Bill",), sound_alike=False)
