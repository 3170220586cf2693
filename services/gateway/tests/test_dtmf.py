"""DTMF buffering, driven with explicit times (no sleeping)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.dtmf import DigitBuffer


def test_terminator_flushes_the_digits_without_itself() -> None:
    buffer = DigitBuffer(inter_digit_timeout=1.5)
    assert buffer.press("1", now=0.0) is None
    assert buffer.press("2", now=0.3) is None
    assert buffer.press("#", now=0.6) == "12"
    assert buffer.pending == ""
    assert buffer.deadline is None


def test_a_lone_terminator_is_itself_the_input() -> None:
    assert DigitBuffer(inter_digit_timeout=1.5).press("#", now=0.0) == "#"


def test_digits_are_due_after_the_pause_since_the_last_key() -> None:
    buffer = DigitBuffer(inter_digit_timeout=1.5)
    buffer.press("4", now=10.0)
    buffer.press("2", now=11.0)  # each key restarts the pause
    assert buffer.deadline == 12.5
    assert buffer.take_if_due(now=12.4) is None
    assert buffer.pending == "42"
    assert buffer.take_if_due(now=12.5) == "42"
    assert buffer.take_if_due(now=20.0) is None  # taken once


def test_star_is_a_digit_not_a_terminator() -> None:
    buffer = DigitBuffer(inter_digit_timeout=1.0)
    buffer.press("*", now=0.0)
    buffer.press("9", now=0.1)
    assert buffer.press("#", now=0.2) == "*9"


@pytest.mark.parametrize("key", ["a", "10", "", "D"])
def test_keys_that_are_not_dtmf_digits_are_rejected(key: str) -> None:
    buffer = DigitBuffer(inter_digit_timeout=1.0)
    with pytest.raises(ValueError):
        buffer.press(key, now=0.0)
    assert buffer.pending == ""


def test_take_empties_the_buffer() -> None:
    buffer = DigitBuffer(inter_digit_timeout=1.0)
    buffer.press("5", now=0.0)
    assert buffer.take() == "5"
    assert buffer.take() == ""


@given(st.text(alphabet="0123456789*", min_size=1, max_size=20))
def test_any_digits_then_terminator_come_back_whole(digits: str) -> None:
    buffer = DigitBuffer(inter_digit_timeout=1.0)
    for index, digit in enumerate(digits):
        assert buffer.press(digit, now=index * 0.1) is None
    assert buffer.press("#", now=5.0) == digits


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError):
        DigitBuffer(inter_digit_timeout=0)
