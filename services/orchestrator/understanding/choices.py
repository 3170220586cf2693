"""Which of the offered options the caller picks: "the second one", "the 2:30", "Tuesday",
"yes the first", "the one with Dr. Okafor", "the checkup", or a lone keypad digit.

``pick(text, options, zone)`` returns the option's index, or None when the text does not single
one out (nothing named, or several match): the policy then asks again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from orchestrator.understanding.dates import WEEKDAYS, find_clock
from orchestrator.understanding.numbers import normalise_for_dates

_ORDINAL_WORDS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4,
}  # fmt: skip
_COUNTED = re.compile(r"\b(?:number|option|choice) (one|two|three|four|five|1|2|3|4|5)\b")
_CARDINALS = {"one": 0, "two": 1, "three": 2, "four": 3, "five": 4}


@dataclass(frozen=True)
class Choice:
    """One option as the caller may name it."""

    start: datetime  # timezone-aware
    provider_names: tuple[str, ...] = ()  # normalised names and aliases
    type_names: tuple[str, ...] = ()  # normalised type code, name, synonyms


def _clean(text: str) -> str:
    lowered = text.lower().replace("\u2019", "'").replace("'", "")
    lowered = re.sub(r"\bdoctor\b", "dr", re.sub(r"[^a-z0-9:]+", " ", lowered))
    return f" {' '.join(lowered.split())} "


_POSITION = re.compile(
    r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th) (?:one|option|choice|time|slot)\b"
)


def named_position(text: str) -> int | None:
    """The position (0-based) the caller names as an option, in range or not: "the third one",
    "option 3"; None when no option position is named ("the third" alone may be a date)."""
    said = _clean(text)
    position = _POSITION.search(said)
    if position:
        return _ORDINAL_WORDS[position.group(1)]
    counted = _COUNTED.search(said)
    if counted and not find_clock(normalise_for_dates(text)):
        word = counted.group(1)
        return _CARDINALS.get(word, int(word) - 1 if word.isdecimal() else -1)
    return None


def pick(text: str, options: list[Choice], zone: ZoneInfo) -> int | None:
    """The index of the option the caller picks, or None."""
    if not options:
        return None
    said = _clean(text)
    stripped = said.strip()
    if stripped.isdecimal():
        index = int(stripped) - 1
        return index if 0 <= index < len(options) else None
    for word, index in _ORDINAL_WORDS.items():
        if f" {word} " in said:
            return index if index < len(options) else None
    if re.search(r"\b(?:last|latest|later) (?:one|time|option)\b|\bthe last\b", said):
        return len(options) - 1
    if re.search(r"\b(?:earliest|earlier|soonest|sooner) (?:one|time|option)?", said):
        return 0
    counted = _COUNTED.search(said)
    if counted and not find_clock(normalise_for_dates(text)):
        word = counted.group(1)
        index = _CARDINALS.get(word, int(word) - 1 if word.isdecimal() else -1)
        return index if 0 <= index < len(options) else None

    candidates = list(range(len(options)))
    cue = False
    local = [option.start.astimezone(zone) for option in options]
    weekday = next((WEEKDAYS[w] for w in said.split() if w in WEEKDAYS), None)
    if weekday is not None:
        cue = True
        candidates = [i for i in candidates if local[i].weekday() == weekday]
    clock = find_clock(normalise_for_dates(text))
    if clock is not None:
        cue = True
        hour, minute = clock[0].hour, clock[0].minute
        hours = {hour} if clock[0].explicit_meridiem else {hour % 12, hour % 12 + 12}
        candidates = [i for i in candidates if local[i].hour in hours and local[i].minute == minute]
    for attribute in ("provider_names", "type_names"):
        named = [
            i for i in candidates
            if any(f" {name} " in said for name in getattr(options[i], attribute))
        ]  # fmt: skip
        if named and len(named) < len(candidates):
            cue = True
            candidates = named
        elif named:
            cue = True
    if cue and len(candidates) == 1:
        return candidates[0]
    return None
