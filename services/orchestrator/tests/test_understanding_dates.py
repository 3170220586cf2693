"""Spoken preferred times, with a fixed "now": Wednesday March 11 2026, 10:15 in New York."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from orchestrator.understanding.dates import find_clock, parse_preference, part_of_day_only
from orchestrator.understanding.numbers import normalise_for_dates

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 11, 14, 15, tzinfo=UTC)
LOCAL_NOW = NOW.astimezone(NY)


def ny(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


@pytest.mark.parametrize(
    ("said", "start_after", "start_before", "part_of_day"),
    [
        ("next tuesday afternoon", ny(3, 17), ny(3, 18), "afternoon"),
        ("tomorrow morning", ny(3, 12), ny(3, 13), "morning"),
        ("the fourteenth at three thirty", ny(3, 14, 15, 30), ny(3, 15), ""),
        ("the 14th at 3:30 pm", ny(3, 14, 15, 30), ny(3, 15), ""),
        ("friday", ny(3, 13), ny(3, 14), ""),
        ("how about friday", ny(3, 13), ny(3, 14), ""),
        ("as soon as possible", LOCAL_NOW, None, ""),
        ("whatever is first available", LOCAL_NOW, None, ""),
        ("any time next week", ny(3, 16), ny(3, 23), ""),
        ("monday next week", ny(3, 16), ny(3, 17), ""),
        ("later this week", LOCAL_NOW, ny(3, 16), ""),
        ("the week after next", ny(3, 23), ny(3, 30), ""),
        ("the 3rd", ny(4, 3), ny(4, 4), ""),  # already past this month: next month
        ("on the twentieth", ny(3, 20), ny(3, 21), ""),
        ("at 3", ny(3, 11, 15), ny(3, 12), ""),  # 3 without am/pm is an afternoon time
        ("at 9", ny(3, 12, 9), ny(3, 13), ""),  # 9 AM already passed today: tomorrow
        ("after 2 pm on thursday", ny(3, 12, 14), ny(3, 13), ""),
        ("before noon tomorrow", ny(3, 12), ny(3, 12, 12), ""),
        ("march 20th at 10 am", ny(3, 20, 10), ny(3, 21), ""),
        ("in two weeks", ny(3, 25), ny(3, 26), ""),
        ("tonight", LOCAL_NOW, ny(3, 12), "evening"),
        ("thursday evening", ny(3, 12), ny(3, 13), "evening"),
        ("afternoons are best", LOCAL_NOW, None, "afternoon"),
        ("next tuesday at 2", ny(3, 17, 14), ny(3, 18), ""),
        ("thursday at half past four", ny(3, 12, 16, 30), ny(3, 13), ""),
        ("friday at quarter to ten", ny(3, 13, 9, 45), ny(3, 14), ""),
        ("april second", ny(4, 2), ny(4, 3), ""),
        ("the twenty first of april", ny(4, 21), ny(4, 22), ""),
        ("day after tomorrow", ny(3, 13), ny(3, 14), ""),
        # "this" before something else is no qualifier of the day (a caller, in one breath).
        (
            "I've had this cough for two weeks so I'd like to see someone, friday would be "
            "best, afternoon ideally",
            ny(3, 13),
            ny(3, 14),
            "afternoon",
        ),
    ],
)
def test_preferences(
    said: str, start_after: datetime, start_before: datetime | None, part_of_day: str
) -> None:
    preference = parse_preference(said, NOW, NY)
    assert preference is not None
    assert preference.start_after == start_after
    assert preference.start_before == start_before
    assert preference.part_of_day == part_of_day
    assert preference.said == said
    assert preference.start_after.utcoffset() == start_after.utcoffset()


@pytest.mark.parametrize(
    "said",
    [
        "",
        "yes",
        "i dont know",
        "jane doe",
        "hmm let me think",
        "no chest pain or anything, just a bad cough",  # filler, not "any time"
    ],
)
def test_no_preference(said: str) -> None:
    assert parse_preference(said, NOW, NY) is None


def test_a_date_already_past_this_year_means_next_year() -> None:
    preference = parse_preference("march 2", NOW, NY)
    assert preference is not None
    assert preference.start_after == datetime(2027, 3, 2, tzinfo=NY)


def test_preference_round_trips_through_json_data() -> None:
    from orchestrator.understanding.dates import TimePreference

    for said in ("after 2 pm on thursday", "as soon as possible", "tomorrow morning"):
        preference = parse_preference(said, NOW, NY)
        assert preference is not None
        restored = TimePreference.from_data(preference.to_data())
        assert restored.start_after == preference.start_after
        assert restored.start_before == preference.start_before
        assert restored.part_of_day == preference.part_of_day
        assert (restored.clock is None) == (preference.clock is None)


@pytest.mark.parametrize(
    ("said", "hour", "minute", "qualifier"),
    [
        ("the 2:30", 14, 30, ""),
        ("two thirty", 14, 30, ""),
        ("ten fifteen am", 10, 15, ""),
        ("at noon", 12, 0, ""),
        ("after 5 pm", 17, 0, "after"),
        ("by 11", 11, 0, "before"),
        ("12 am", 0, 0, ""),
    ],
)
def test_clock_times(said: str, hour: int, minute: int, qualifier: str) -> None:
    found = find_clock(normalise_for_dates(said))
    assert found is not None
    assert (found[0].hour, found[0].minute, found[0].qualifier) == (hour, minute, qualifier)


@pytest.mark.parametrize("said", ["in 2 weeks", "the 14th", "3 days", "number 2", "25:00"])
def test_not_clock_times(said: str) -> None:
    assert find_clock(normalise_for_dates(said)) is None


def test_anything_alone_is_still_any_time() -> None:
    preference = parse_preference("anything is fine", NOW, NY)
    assert preference is not None and preference.start_after == NOW.astimezone(NY)
    assert preference.start_before is None


@pytest.mark.parametrize(
    ("said", "part"),
    [
        ("can we do the morning instead", "morning"),
        ("afternoons are better", "afternoon"),
        ("thursday morning", ""),  # names a day
        ("in the morning at 9", ""),  # names a clock time
        ("first available in the morning", ""),  # as soon as possible
        ("the second one", ""),
    ],
)
def test_part_of_day_only(said: str, part: str) -> None:
    assert part_of_day_only(said, NOW, NY) == part


def test_a_birth_date_and_a_greeting_are_not_preferences() -> None:
    from orchestrator.understanding.dates import find_birth_date

    now = datetime(2026, 11, 29, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    zone = now.tzinfo
    assert isinstance(zone, ZoneInfo)
    assert parse_preference("good morning, I need an appointment", now, zone) is None
    said = "hi this is Jane Doe, born March 3rd 1980, do you have anything Tuesday"
    preference = parse_preference(said, now, zone)
    assert preference is not None and preference.start_after.date() == date(2026, 12, 1)
    born = find_birth_date(said, now.date())
    assert born is not None and born.born == date(1980, 3, 3)
    assert find_birth_date("it's Sam Carter, 4/12/1990", now.date()).born == date(1990, 4, 12)  # type: ignore[union-attr]
    assert find_birth_date("thursday the 3rd", now.date()) is None


def test_not_before_noon_is_the_afternoon() -> None:
    now = datetime(2026, 11, 29, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    zone = now.tzinfo
    assert isinstance(zone, ZoneInfo)
    preference = parse_preference("I want a checkup but I can't make it before noon", now, zone)
    assert preference is not None and preference.part_of_day == "afternoon"
    tuesday = parse_preference("tuesday, nothing before 2", now, zone)
    assert tuesday is not None and tuesday.start_after.hour == 14
