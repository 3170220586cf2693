"""Name matching for identity verification."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler_adapter.names import name_matches, name_tokens


def test_tokens_fold_case_accents_and_punctuation() -> None:
    assert name_tokens("  José  GARCÍA-Núñez ") == ["jose", "garcia", "nunez"]
    assert name_tokens("O'Brien") == ["obrien"]


@pytest.mark.parametrize(
    ("said", "first", "last", "expected"),
    [
        ("Maria Lopez", "Maria", "Lopez", True),
        ("maria elena lopez", "Maria", "Lopez", True),
        ("Lopez, Maria", "Maria", "Lopez", True),
        ("Lopez Maria", "Maria", "Lopez", False),
        ("Maria", "Maria", "Lopez", False),
        ("Maria Lopez Smith", "Maria", "Lopez", False),
        ("Mary Ann Thompson", "Mary-Ann", "Thompson", True),
        ("Mary Thompson", "Mary-Ann", "Thompson", False),
        ("", "Maria", "Lopez", False),
    ],
)
def test_name_matches(said: str, first: str, last: str, expected: bool) -> None:
    assert name_matches(said, first, last) is expected


# Latin letters, accented or not: what transcripts of the clinic's callers contain.
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZàáâãäåçèéêëìíîïñòóôõöùúûüýÿÉÑÜß"
names = st.text(alphabet=LATIN, min_size=1, max_size=12)


@given(first=names, middle=names, last=names)
def test_a_record_name_matches_itself_in_any_case_with_a_middle_name(
    first: str, middle: str, last: str
) -> None:
    usable = bool(name_tokens(first) and name_tokens(last))
    assert name_matches(f"{first} {last}", first, last) is usable
    if usable:
        assert name_matches(f"{first.upper()}  {middle} {last.lower()}", first, last)
