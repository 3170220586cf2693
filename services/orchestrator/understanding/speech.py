"""How the assistant says dates, times, slots, hours and lists, for text-to-speech: short
sentences, no markdown, no symbols a voice would read out oddly::

    say_when(start)            # "Tuesday, December first at 2:30 PM"
    say_hours(clinic)          # "We're open Monday through Wednesday from 8 AM to 5 PM, ..."
    join_words(["a", "b", "c"], "or")  # "a, b, or c"
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from clinic import Clinic, OpeningHours
from clinic._model import WEEKDAYS

_ORDINALS = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]


def ordinal_word(n: int) -> str:
    """1 -> "first", 23 -> "twenty-third", 30 -> "thirtieth" (up to 31)."""
    if n <= 20:
        return _ORDINALS[n]
    if n == 30:
        return "thirtieth"
    tens = "twenty" if n < 30 else "thirty"
    return f"{tens}-{_ORDINALS[n % 10]}"


def say_clock(at: time) -> str:
    """9:00 -> "9 AM", 14:30 -> "2:30 PM", 12:00 -> "noon"."""
    if at.hour == 12 and at.minute == 0:
        return "noon"
    hour = at.hour % 12 or 12
    meridiem = "AM" if at.hour < 12 else "PM"
    return f"{hour} {meridiem}" if at.minute == 0 else f"{hour}:{at.minute:02d} {meridiem}"


def say_day(at: datetime) -> str:
    """ "Tuesday, December first"."""
    return f"{at:%A}, {at:%B} {ordinal_word(at.day)}"


def say_when(at: datetime) -> str:
    """ "Tuesday, December first at 2:30 PM" (``at`` already in clinic local time)."""
    return f"{say_day(at)} at {say_clock(at.time())}"


def join_words(items: list[str], conjunction: str = "and") -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return f"{items[0]} {conjunction} {items[1]}"
    return f"{', '.join(items[:-1])}, {conjunction} {items[-1]}"


def with_article(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def type_name(clinic: Clinic, code: str) -> str:
    kind = clinic.appointment_type(code)
    return kind.name if kind else code.replace("-", " ") or "appointment"


def say_slot(slot: dict[str, Any], clinic: Clinic) -> str:
    """A slot (policy data form: ISO ``start``) read in clinic local time, with its provider."""
    start = clinic.local(datetime.fromisoformat(slot["start"]))
    provider = slot.get("provider_name") or ""
    return f"{say_when(start)} with {provider}" if provider else say_when(start)


def say_appointment(appointment: dict[str, Any], clinic: Clinic) -> str:
    """ "your annual checkup on Tuesday, December first at 2:30 PM with Dr. Priya Patel"."""
    slot = appointment["slot"]
    start = clinic.local(datetime.fromisoformat(slot["start"]))
    text = f"your {type_name(clinic, slot.get('appointment_type', ''))} on {say_when(start)}"
    return f"{text} with {slot['provider_name']}" if slot.get("provider_name") else text


def _hours_text(intervals: tuple[OpeningHours, ...]) -> str:
    return " and ".join(f"from {say_clock(h.opens)} to {say_clock(h.closes)}" for h in intervals)


def say_hours(clinic: Clinic) -> str:
    """The weekly hours, consecutive days with the same hours grouped."""
    groups: list[tuple[list[str], str]] = []
    closed: list[str] = []
    for day in WEEKDAYS:
        intervals = clinic.hours.get(day, ())
        if not intervals:
            closed.append(day.capitalize())
            continue
        text = _hours_text(intervals)
        if groups and groups[-1][1] == text and _follows(groups[-1][0][-1], day):
            groups[-1][0].append(day.capitalize())
        else:
            groups.append(([day.capitalize()], text))
    parts = []
    for days, text in groups:
        if len(days) == 1:
            label = days[0]
        elif len(days) == 2:
            label = f"{days[0]} and {days[1]}"
        else:
            label = f"{days[0]} through {days[-1]}"
        parts.append(f"{label} {text}")
    sentence = f"We're open {join_words(parts)}." if parts else "We don't have regular hours."
    if closed:
        sentence += f" We're closed on {join_words(closed)}."
    return sentence


def _follows(previous: str, day: str) -> bool:
    return WEEKDAYS.index(day) == WEEKDAYS.index(previous.lower()) + 1


def say_now_open(clinic: Clinic, now: datetime) -> str:
    """ "We're open right now." or "We're closed right now. We open again Monday at 8 AM." """
    if clinic.is_open(now):
        return "We're open right now."
    opening = clinic.next_opening(now)
    if opening is None:
        return "We're closed right now."
    return f"We're closed right now. We open again {say_next(opening, now, clinic)}."


def say_next(opening: datetime, now: datetime, clinic: Clinic) -> str:
    """ "today at 8 AM", "tomorrow at 8 AM", or "Monday at 8 AM"."""
    local_now = clinic.local(now)
    days = (opening.date() - local_now.date()).days
    day = "today" if days == 0 else "tomorrow" if days == 1 else f"on {opening:%A}"
    return f"{day} at {say_clock(opening.time())}"


def say_phone(number: str) -> str:
    """A North American number as groups of digits ("555-010-0100"); others as given."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return number
