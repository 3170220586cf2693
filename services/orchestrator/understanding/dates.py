"""When the caller would like to come in: "next Tuesday afternoon", "the fourteenth at three
thirty", "as soon as possible", "any time next week".

``parse_preference(text, now, zone)`` returns a ``TimePreference``: a window in clinic local time
(``start_after`` .. ``start_before``) and a part of day, ready for a slot search. Spoken numbers
are normalised first (``numbers.normalise_for_dates``); clock times and week ranges are read
here; the calendar date itself ("next tuesday", "march 20th", "in two weeks", "tomorrow") is read
by ``dateparser`` relative to ``now`` in the clinic's time zone. Times without am/pm from 1 to 7
are afternoon times: clinics are rarely open at 3 in the morning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dateparser

from orchestrator.understanding.identity import MONTHS, parse_dob
from orchestrator.understanding.numbers import (
    ORDINAL_TENS,
    ORDINAL_UNITS,
    TENS,
    UNITS,
    normalise_for_dates,
)

WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip


@dataclass(frozen=True)
class Clock:
    """A time of day the caller named; ``qualifier`` is "after", "before" or "" (at/around)."""

    hour: int
    minute: int
    qualifier: str = ""
    explicit_meridiem: bool = False  # "pm"/"am" was said


_CLOCK = re.compile(
    r"\b(?:(after|before|around|at|by|about|from)\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b"
    r"(?!\s*(?:days?|weeks?|months?|minutes?|hours?|st\b|nd\b|rd\b|th\b))"
)
_NOON = re.compile(r"\b(?:(after|before|around|at|by|about)\s+)?(noon|midday|lunch ?time)\b")


def find_clock(normalised: str) -> tuple[Clock, tuple[int, int]] | None:
    """A clock time in text already passed through ``normalise_for_dates``, with its span."""
    noon = _NOON.search(normalised)
    if noon:
        qualifier = noon.group(1) or ""
        return Clock(12, 0, _qualifier(qualifier), True), noon.span()
    for match in _CLOCK.finditer(normalised):
        qualifier, hour_s, minute_s, meridiem = match.groups()
        if minute_s is None and meridiem is None and qualifier is None:
            continue  # a bare number is not a time
        hour, minute = int(hour_s), int(minute_s or 0)
        if hour > 23 or minute > 59:
            continue
        if meridiem == "pm" and hour < 12:
            hour += 12
        elif meridiem == "am" and hour == 12:
            hour = 0
        elif meridiem is None and 1 <= hour <= 7:
            hour += 12
        return Clock(hour, minute, _qualifier(qualifier or ""), meridiem is not None), match.span()
    return None


def _part_for(clock: Clock) -> str:
    """The part of the day an "after"/"before" time leaves open: "after noon" -> afternoon."""
    if clock.qualifier == "after":
        return "evening" if clock.hour >= 17 else "afternoon" if clock.hour >= 12 else ""
    if clock.qualifier == "before":
        return "morning" if clock.hour <= 12 else ""
    return ""


def _qualifier(word: str) -> str:
    return {"after": "after", "from": "after", "before": "before", "by": "before"}.get(word, "")


_PARTS_OF_DAY = (
    ("morning", re.compile(r"\b(?:in the )?mornings?\b|\bearly\b")),
    ("afternoon", re.compile(r"\b(?:in the )?afternoons?\b")),
    ("evening", re.compile(r"\b(?:in the )?evenings?\b|\btonight\b|\bafter work\b|\blate\b")),
)
_ASAP = re.compile(
    r"\b(?:as soon as (?:possible|you can)|asap|soonest|earliest|first available|next available|"
    # "or anything" is filler ("no chest pain or anything"), not "any time will do"
    r"any ?time|whenever|(?<!\bor )anything|any day|doesnt matter|no preference|first opening|"
    r"next opening|soon|right away|today or tomorrow|dont care)\b"
)
_NEXT_WEEK = re.compile(r"\bnext week\b")
_THIS_WEEK = re.compile(
    r"\b(?:this week|later this week|rest of (?:the|this) week|end of the week)\b"
)
_WEEK_AFTER = re.compile(
    r"\b(?:the )?week after next\b|(?<=day )after next\b"
)  # "friday after next"
_DAY_OF_MONTH = re.compile(r"\b(?:the )?(\d{1,2})(?:st|nd|rd|th)\b")
_DATE_WORDS = frozenset(
    {*WEEKDAYS, *MONTHS, "next", "this", "tomorrow", "today", "day", "after", "in", "week",
     "weeks", "days", "from", "now", "the", "of", "on", "month"}
)  # fmt: skip


@dataclass(frozen=True)
class TimePreference:
    """A window to search for slots, in clinic local time (timezone-aware datetimes)."""

    start_after: datetime
    start_before: datetime | None = None
    part_of_day: str = ""  # "", "morning", "afternoon", "evening"
    clock: Clock | None = None
    said: str = ""

    def to_data(self) -> dict[str, Any]:
        """JSON-compatible form (ISO strings), for ``DialogueState.data``."""
        return {
            "start_after": self.start_after.isoformat(),
            "start_before": self.start_before.isoformat() if self.start_before else "",
            "part_of_day": self.part_of_day,
            "clock": [self.clock.hour, self.clock.minute, self.clock.qualifier]
            if self.clock
            else [],
            "said": self.said,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TimePreference:
        clock = data.get("clock") or []
        return cls(
            start_after=datetime.fromisoformat(data["start_after"]),
            start_before=datetime.fromisoformat(data["start_before"])
            if data.get("start_before")
            else None,
            part_of_day=data.get("part_of_day", ""),
            clock=Clock(int(clock[0]), int(clock[1]), str(clock[2])) if clock else None,
            said=data.get("said", ""),
        )


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)


def _dateparser_day(text: str, local_now: datetime, zone: ZoneInfo) -> date | None:
    kept = [w for w in text.split() if w in _DATE_WORDS or re.match(r"^\d", w)]
    meaningful = [
        w for w in kept if w in WEEKDAYS or w in MONTHS or w in ("tomorrow", "today")
        or re.match(r"^\d", w)
    ]  # fmt: skip
    if not meaningful:
        return None
    phrase = " ".join(kept)
    phrase = re.sub(r"^(?:on |the |of |in the )+", "", phrase)
    settings = {
        "TIMEZONE": str(zone),
        "TO_TIMEZONE": str(zone),
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    parsed = dateparser.parse(phrase, languages=["en"], settings=settings)  # type: ignore[arg-type]
    return parsed.date() if parsed else None


_DISOWNING = frozenset({"not", "no", "except", "than", "of", "but", "from"})
# A qualifier of the day itself ("next tuesday", "this coming friday", "friday after next"),
# not any "this" in the sentence ("I've had this cough for two weeks, friday would be best").
_WEEKDAY_NAMES = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_QUALIFIED_DAY = re.compile(
    rf"\b(?:next|this|coming|following|last)\s+(?:coming\s+)?(?:{_WEEKDAY_NAMES})\b"
    rf"|\b(?:{_WEEKDAY_NAMES})\s+(?:after\s+next|next\s+week|this\s+week|week)\b|\bafter next\b"
    r"|\bday after\b"
)


def _simple_day(norm: str, today: date) -> date | None:
    """The day of "today", "tomorrow", or a bare weekday ("anything tuesday", "move me to
    friday"), without asking ``dateparser``, which fails on a weekday said twice or among
    other words. When several weekdays are named, the last one not disowned counts ("wednesday
    doesn't work, thursday instead", "i meant thursday not tuesday"). None when the day is
    qualified ("next tuesday") or a month is named: ``dateparser`` reads those."""
    words = [_ABBREVIATIONS.get(w, w) for w in norm.split()]
    if any(w in MONTHS for w in words) or _QUALIFIED_DAY.search(" ".join(words)):
        return None
    named: list[int] = []
    for i, word in enumerate(words):
        if word in WEEKDAYS and not _DISOWNING & set(words[max(0, i - 2) : i]):
            named.append(WEEKDAYS[word])
    if named:
        # today's own weekday means next week's (as dateparser reads it): callers say "today"
        return today + timedelta(days=(named[-1] - today.weekday()) % 7 or 7)
    if "tomorrow" in words:
        return today + timedelta(days=1)
    if "today" in words or "tonight" in words:
        return today
    return None


_ABBREVIATIONS = {"tmrw": "tomorrow", "tmr": "tomorrow", "tomorrows": "tomorrow", "todays": "today"}


def _day_of_month(day: int, today: date) -> date | None:
    """The next date (today or later) whose day of month is ``day``."""
    year, month = today.year, today.month
    for _ in range(13):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


_NUMBER_WORD = "|".join(sorted([*UNITS, *TENS, *ORDINAL_UNITS, *ORDINAL_TENS, "oh"], key=len)[::-1])
_MONTH_WORD = "|".join(sorted(MONTHS, key=len)[::-1])
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|(?:{_NUMBER_WORD})(?:[ -](?:{_NUMBER_WORD}))?)"
_YEAR = (
    rf"(?:(?:19|20)\d\d|\d\d|(?:nineteen|twenty|two thousand(?: and)?)(?:[ -](?:{_NUMBER_WORD}))"
    r"{1,2})"
)
_BIRTH_CUE = (
    r"(?:(?:my |his |her |the )?(?:date of birth|birth ?date|birthday|dob|d o b)"
    r"(?: is| was| of)?|born(?: on| in)?)"
)
_BIRTH_DATE = re.compile(
    rf"\b(?:{_BIRTH_CUE}[ ,:]*)?(?:"
    rf"(?:{_MONTH_WORD})[ ,]+(?:the )?{_DAY}(?: of)?[ ,]+{_YEAR}"
    rf"|(?:the )?{_DAY} (?:of )?(?:{_MONTH_WORD})[ ,]+{_YEAR}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|\d{4}-\d{1,2}-\d{1,2}"
    rf"|(?<=born in ){_YEAR})\b"
)
_NOT_BEFORE = re.compile(
    r"\b(?:cant|cannot|can not|couldnt|wont|not|no|nothing|never)\b(?: \w+){0,4} before\b"
    r"|\bbefore\b(?: \S+){1,3} (?:i )?(?:cant|cannot|can not|couldnt|wont|am not|not)\b"
)
_BORN_IN = re.compile(rf"\bborn in ({_YEAR})\b")
_GREETING = re.compile(r"\bgood (?:morning|afternoon|evening|day)\b")


@dataclass(frozen=True)
class BirthDate:
    """A date of birth found in an utterance, and where: it is never an appointment date."""

    born: date
    span: tuple[int, int]  # in the lower-cased text


def find_birth_date(text: str, today: date) -> BirthDate | None:
    """A date of birth in ``text``: a full date (month, day and year) that lies in the past, or a
    year after "born in" ("born March 3rd 1980", "4/12/1990", "june fifth nineteen seventy
    five"). Appointment dates never carry a past year, so such a date is never a preference."""
    lowered = text.lower().replace("\u2019", "'")
    for match in _BIRTH_DATE.finditer(lowered):
        born = parse_dob(match.group(0), today)
        if born is not None and born < today:
            return BirthDate(born, match.span())
    year = _BORN_IN.search(lowered)
    if year is not None:
        # only the year is known: January 1st stands for it, flagged by the span
        born = parse_dob(f"january 1 {normalise_for_dates(year.group(1))}", today)
        if born is not None and born < today:
            return BirthDate(born, year.span())
    return None


def without_birth_date(text: str, today: date) -> str:
    """``text`` with its date of birth (if any) and greetings ("good morning") removed: what is
    left may name an appointment time."""
    lowered = text.lower().replace("\u2019", "'")
    found = find_birth_date(lowered, today)
    if found is not None:
        lowered = lowered[: found.span[0]] + " " + lowered[found.span[1] :]
    return _GREETING.sub(" ", lowered)


def parse_preference(text: str, now: datetime, zone: ZoneInfo) -> TimePreference | None:
    """The caller's preferred time as a search window, or None when the text names no time.
    A date of birth and greetings in the text are not read as preferences."""
    said = text
    text = without_birth_date(text, now.astimezone(zone).date())
    # "first available" must not become "1st": read the as-soon-as-possible phrases first.
    lowered = " ".join(re.sub(r"[^a-z0-9: ]+", " ", text.lower().replace("'", "")).split())
    asap = _ASAP.search(lowered) is not None
    norm = normalise_for_dates(_ASAP.sub(" ", lowered))
    local_now = now.astimezone(zone)
    today = local_now.date()

    part_of_day = ""
    for name, pattern in _PARTS_OF_DAY:
        if pattern.search(norm):
            part_of_day = name
            norm = pattern.sub(" ", norm)
            break
    if re.search(r"\btonight\b", text.lower()):
        norm += " today"

    found_clock = find_clock(norm)
    clock = found_clock[0] if found_clock else None
    if clock is not None and clock.qualifier == "before" and _NOT_BEFORE.search(norm):
        # "i can't make it before noon", "nothing before 2": after that time, not before it.
        clock = Clock(clock.hour, clock.minute, "after", clock.explicit_meridiem)
    if found_clock:
        start, end = found_clock[1]
        norm = norm[:start] + " " + norm[end:]

    monday = today - timedelta(days=today.weekday())
    week: tuple[date, date] | None = None
    if _WEEK_AFTER.search(norm):
        week = (monday + timedelta(days=14), monday + timedelta(days=21))
        norm = _WEEK_AFTER.sub(" ", norm)
    elif _NEXT_WEEK.search(norm):
        week = (monday + timedelta(days=7), monday + timedelta(days=14))
        norm = _NEXT_WEEK.sub(" ", norm)
    elif _THIS_WEEK.search(norm):
        week = (today, monday + timedelta(days=7))
        norm = _THIS_WEEK.sub(" ", norm)

    day: date | None = None
    weekday = next((WEEKDAYS[w] for w in norm.split() if w in WEEKDAYS), None)
    ordinal = _DAY_OF_MONTH.search(norm)
    if week and weekday is not None:  # "monday next week"
        day, week = week[0] + timedelta(days=weekday), None
    elif ordinal and not any(w in MONTHS for w in norm.split()):
        day = _day_of_month(int(ordinal.group(1)), today)
    elif not week:
        day = _simple_day(norm, today) or _dateparser_day(norm, local_now, zone)

    start_after: datetime
    start_before: datetime | None
    if day is not None:
        if day < today:
            return None
        start_after, start_before = (
            _at(day, time(0), zone),
            _at(day + timedelta(days=1), time(0), zone),
        )
    elif week is not None:
        start_after, start_before = _at(week[0], time(0), zone), _at(week[1], time(0), zone)
    elif clock is not None and clock.qualifier and not part_of_day:
        # "after noon", "before 10" with no day: a part of the day on any day, not today only.
        part = _part_for(clock)
        if part:
            return TimePreference(now.astimezone(zone), None, part, clock, said)
        day = today
        start_after, start_before = (
            _at(day, time(0), zone),
            _at(day + timedelta(days=1), time(0), zone),
        )
    elif clock is not None:
        day = (
            today
            if _at(today, time(clock.hour, clock.minute), zone) > local_now
            else today + timedelta(days=1)
        )
        start_after, start_before = (
            _at(day, time(0), zone),
            _at(day + timedelta(days=1), time(0), zone),
        )
    elif asap or part_of_day:
        return TimePreference(now.astimezone(zone), None, part_of_day, None, said)
    else:
        return None

    if clock is not None and day is not None:
        named = _at(day, time(clock.hour, clock.minute), zone)
        if clock.qualifier == "before":
            start_before = named
        else:
            start_after = named
    start_after = max(start_after, local_now)
    if start_before is not None and start_before <= start_after:
        return None
    return TimePreference(start_after, start_before, part_of_day, clock, said)


def part_of_day_only(text: str, now: datetime, zone: ZoneInfo) -> str:
    """The part of day when that is all the text says about time ("can we do the morning
    instead" -> "morning"); "" when it also names a day, week or clock time, asks for the first
    opening, or names no part of day. The policy keeps the day already chosen."""
    lowered = " ".join(re.sub(r"[^a-z0-9: ]+", " ", text.lower().replace("'", "")).split())
    if _ASAP.search(lowered):
        return ""
    preference = parse_preference(text, now, zone)
    if preference is None or preference.start_before is not None or preference.clock is not None:
        return ""
    return preference.part_of_day
