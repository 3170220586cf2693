"""Spoken numbers in ASR transcripts: "fourteenth", "three thirty", "nineteen eighty", "oh five".

Speech recognisers often write numbers as words. ``tokenize`` splits a transcript into lower-case
tokens; ``group_numbers`` turns runs of number words (and digit tokens) into ``Number`` items, one
per spoken group ("twenty one" is one group, "nineteen eighty" is two: 19 and 80, because whether
they form a year, a time or two separate numbers depends on the context); ``normalise_for_dates``
rewrites a transcript with digits the way a date parser expects ("the fourteenth at three thirty"
-> "the 14th at 3:30", "nineteen eighty" -> "1980")::

    normalise_for_dates("next tuesday at half past two")  # "next tuesday at 2:30"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
ORDINAL_UNITS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19,
}  # fmt: skip
ORDINAL_TENS: dict[str, int] = {
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60,
    "seventieth": 70, "eightieth": 80, "ninetieth": 90,
}  # fmt: skip
_ZEROES = ("oh", "o", "zero")

_DIGITS = re.compile(r"^(\d+)(st|nd|rd|th)?$")


@dataclass(frozen=True)
class Number:
    """One spoken number group. ``text`` is how it reads with digits ("05" for "oh five")."""

    value: int
    ordinal: bool = False
    leading_zero: bool = False  # "oh five", "05": a two-digit field, not a lone digit
    words: int = 1  # tokens consumed
    raw: str = ""  # the digits as written, for digit tokens ("0303")

    @property
    def text(self) -> str:
        if self.raw and not self.ordinal:
            return self.raw
        if self.ordinal:
            return f"{self.value}{ordinal_suffix(self.value)}"
        if self.leading_zero and self.value < 10:
            return f"0{self.value}"
        return str(self.value)

    @property
    def is_single_digit(self) -> bool:
        return self.value < 10 and not self.leading_zero and not self.ordinal


def ordinal_suffix(value: int) -> str:
    """English ordinal suffix for digits: 1 -> "st", 12 -> "th", 22 -> "nd"."""
    if 10 <= value % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")


def tokenize(text: str) -> list[str]:
    """Lower-case word and digit tokens; apostrophes dropped ("can't" -> "cant", "o'clock" ->
    "oclock"), hyphens split ("twenty-one"), ``:`` and ``/`` kept inside digit groups."""
    lowered = text.lower().replace("\u2019", "'").replace("'", "")
    lowered = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", lowered)
    return re.findall(r"\d+(?:[:/.]\d+)*(?:st|nd|rd|th)?|[a-z]+", lowered)


def is_number_word(token: str) -> bool:
    return (
        token in UNITS
        or token in TENS
        or token in ORDINAL_UNITS
        or token in ORDINAL_TENS
        or token in ("hundred", "thousand")
        or bool(_DIGITS.match(token))
    )


def _small(tokens: list[str], i: int) -> tuple[int, bool, int] | None:
    """A number below 100 at ``tokens[i]``: (value, ordinal, tokens used)."""
    token = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if token in TENS:
        if nxt in UNITS and 1 <= UNITS[nxt] <= 9:
            return TENS[token] + UNITS[nxt], False, 2
        if nxt in ORDINAL_UNITS and ORDINAL_UNITS[nxt] <= 9:
            return TENS[token] + ORDINAL_UNITS[nxt], True, 2
        return TENS[token], False, 1
    if token in ORDINAL_TENS:
        return ORDINAL_TENS[token], True, 1
    if token in UNITS:
        return UNITS[token], False, 1
    if token in ORDINAL_UNITS:
        return ORDINAL_UNITS[token], True, 1
    return None


def _number_at(tokens: list[str], i: int) -> Number | None:
    """The number group starting at ``tokens[i]``, or None when it is not a number."""
    token = tokens[i]
    digits = _DIGITS.match(token)
    if digits:
        raw = digits.group(1)
        return Number(
            value=int(raw),
            ordinal=digits.group(2) is not None,
            leading_zero=len(raw) >= 2 and raw.startswith("0"),
            raw=raw,
        )
    if token in _ZEROES:
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if nxt in UNITS and 1 <= UNITS[nxt] <= 9:
            return Number(UNITS[nxt], leading_zero=True, words=2)
        if nxt in ORDINAL_UNITS and ORDINAL_UNITS[nxt] <= 9:
            return Number(ORDINAL_UNITS[nxt], ordinal=True, words=2)
        if token == "zero":
            return Number(0)
        return None
    small = _small(tokens, i)
    if small is None:
        return None
    value, ordinal, used = small
    j = i + used
    if not ordinal and j < len(tokens) and tokens[j] == "hundred" and value < 100:
        value, j = value * 100, j + 1
        rest = _rest(tokens, j)
        if rest is not None:
            value, ordinal, j = value + rest[0], rest[1], rest[2]
    if not ordinal and j < len(tokens) and tokens[j] == "thousand" and value < 1000:
        value, j = value * 1000, j + 1
        rest = _rest(tokens, j)
        if rest is not None:
            value, ordinal, j = value + rest[0], rest[1], rest[2]
    return Number(value=value, ordinal=ordinal, words=j - i)


def _rest(tokens: list[str], j: int) -> tuple[int, bool, int] | None:
    """What follows "hundred"/"thousand": an optional "and", then a number below 100."""
    k = j + 1 if j < len(tokens) and tokens[j] == "and" else j
    if k < len(tokens):
        small = _small(tokens, k)
        if small is not None:
            return small[0], small[1], k + small[2]
    return None


def group_numbers(tokens: list[str]) -> list[str | Number]:
    """Tokens with every number group replaced by a ``Number``."""
    out: list[str | Number] = []
    i = 0
    while i < len(tokens):
        number = _number_at(tokens, i)
        if number is None:
            out.append(tokens[i])
            i += 1
        else:
            out.append(number)
            i += number.words
    return out


def number_value(text: str) -> int | None:
    """The value of a text that is exactly one number ("twenty one", "21st", "three")."""
    items = group_numbers(tokenize(text))
    if len(items) == 1 and isinstance(items[0], Number):
        return items[0].value
    return None


_MINUTE_WORDS = {"quarter": 15, "half": 30}
_ONE_AFTER = frozenset(
    [
        "that",
        "this",
        "the",
        "which",
        "earlier",
        "later",
        "last",
        "other",
        "any",
        "no",
        "each",
        "every",
        "latest",
        "earliest",
    ]
)


def _pronoun_one(previous: str | Number | None) -> bool:
    if isinstance(previous, Number):
        return previous.ordinal
    return previous in _ONE_AFTER


def normalise_for_dates(text: str) -> str:
    """A transcript rewritten with digits for date and time parsing.

    Ordinals get suffixes ("14th"), an hour followed by minutes becomes a clock time ("three
    thirty" -> "3:30", "three oh five" -> "3:05", "ten o'clock" -> "10:00", "half past two" ->
    "2:30", "quarter to four" -> "3:45"), a century followed by two digits becomes a year
    ("nineteen eighty" -> "1980", "twenty twenty six" -> "2026"). "p m" is joined to "pm".
    """
    items = group_numbers(tokenize(text))
    out: list[str] = []
    i = 0
    while i < len(items):
        item = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        after = items[i + 2] if i + 2 < len(items) else None
        # "half past two", "quarter to four"
        if (
            isinstance(item, str)
            and item in _MINUTE_WORDS
            and nxt in ("past", "after", "to", "til", "till")
            and isinstance(after, Number)
            and 1 <= after.value <= 12
            and not after.ordinal
        ):
            minutes = _MINUTE_WORDS[item]
            if nxt in ("past", "after"):
                out.append(f"{after.value}:{minutes:02d}")
            else:
                hour = after.value - 1 or 12
                out.append(f"{hour}:{60 - minutes:02d}")
            i += 3
            continue
        prev = items[i - 1] if i else None
        if isinstance(item, Number) and item.value == 1 and _pronoun_one(prev):
            out.append("one")  # "the second one", "that one": not a number
        elif isinstance(item, Number):
            if (
                isinstance(nxt, Number)
                and not item.ordinal
                and not nxt.ordinal
                and not item.leading_zero
                and 1 <= item.value <= 12
                and (nxt.leading_zero or 10 <= nxt.value <= 59)
                and nxt.value <= 59
            ):
                out.append(f"{item.value}:{nxt.value:02d}")
                i += 2
                continue
            if (
                isinstance(nxt, Number)
                and not item.ordinal
                and not nxt.ordinal
                and 13 <= item.value <= 99
                and (nxt.leading_zero or 10 <= nxt.value <= 99)
            ):
                out.append(str(item.value * 100 + nxt.value))
                i += 2
                continue
            if nxt == "oclock" and 1 <= item.value <= 12:
                out.append(f"{item.value}:00")
                i += 2
                continue
            out.append(item.text)
        elif item == "p" and nxt == "m":
            out.append("pm")
            i += 2
            continue
        elif item == "a" and nxt == "m" and out and re.match(r"^\d", out[-1]):
            out.append("am")
            i += 2
            continue
        else:
            out.append(item)
        i += 1
    return " ".join(out)
