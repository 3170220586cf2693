"""Caller text with digits that are not decimal (superscripts, circled numbers): ``isdigit`` is
true for them but ``int()`` refuses them, which crashed the red-flag check and slot picking."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from orchestrator.safety import find_red_flag
from orchestrator.understanding.choices import Choice, pick


def test_red_flags_read_past_non_decimal_digits() -> None:
    assert find_red_flag("I took ² of my pills") is None
    flag = find_red_flag("I took ² bottles of pills and I can't breathe")
    assert flag is not None


def test_a_pick_of_a_superscript_number_is_no_pick() -> None:
    options = [Choice(start=datetime(2026, 12, day, 15, tzinfo=UTC)) for day in (1, 2, 3)]
    assert pick("2", options, ZoneInfo("UTC")) == 1  # a plain digit still picks
    assert pick("²", options, ZoneInfo("UTC")) is None
    assert pick("① please", options, ZoneInfo("UTC")) is None
