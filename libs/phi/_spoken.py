"""Spoken-number vocabulary, regex fragments and normalisation to digit strings.

Speech-to-text writes "five five five oh one two three", "double five",
"nineteen eighty" or "four twenty one"; :func:`read_digits` turns any such run
(mixed with written digit groups) into the digit string a person would type,
so one classifier handles written and spoken identifiers alike.
"""

from __future__ import annotations

import re

UNITS: dict[str, int] = {
    "zero": 0,
    "oh": 0,
    "o": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
TEENS: dict[str, int] = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ORD_UNITS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
}
ORDINALS: dict[str, int] = {
    **_ORD_UNITS,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
MONTHS: dict[str, int] = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
MONTH_NAMES: tuple[str, ...] = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
UNIT_WORDS: tuple[str, ...] = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
)

# --- regex fragments (use with re.IGNORECASE) ---------------------------------------
UNIT_NZ = r"(?:one|two|three|four|five|six|seven|eight|nine)"
UNIT = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
TEEN = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
TENS_RE = r"(?:twenty|thirty|forty|fourty|fifty|sixty|seventy|eighty|ninety)"
# Longest alternatives first so "fourteen" never stops at "four".
NUM_WORD = rf"(?:{TENS_RE}(?:[ -]{UNIT_NZ})?|{TEEN}|{UNIT}|hundred|thousand)"
NUM_TOKEN = rf"(?:\d+|{NUM_WORD}|double|triple)"
_SEP = r"(?:[ \t]*[,\-/.()]+[ \t]*|[ \t]+|(?:(?<=hundred)|(?<=thousand))[ \t]+and[ \t]+)"
# A run of spoken and/or written number tokens ("555 oh one two three", "(555) 012-3456").
NUM_RUN = rf"(?<![\w@.])(?:\+[ \t]?)?\(?{NUM_TOKEN}\b(?:{_SEP}\(?(?:{NUM_TOKEN}|o)\b\)?)*"

ORD_WORD = (
    r"(?:(?:twenty|thirty)[ -]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
    r"|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth"
    r"|twentieth|thirtieth)"
)
DAY_CARD = rf"(?:(?:twenty|thirty)(?:[ -]{UNIT_NZ})?|{TEEN}|{UNIT_NZ})"
SPOKEN_YEAR = (
    rf"(?:(?:nineteen|twenty)[ -]?(?:hundred|oh[ -]?{UNIT_NZ}|{TEEN}|{TENS_RE}(?:[ -]?{UNIT_NZ})?)"
    rf"|two[ -]thousand(?:[ -]and)?(?:[ -](?:{TEEN}|{TENS_RE}(?:[ -]?{UNIT_NZ})?|{UNIT_NZ}))?)"
)
MONTH_RE = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

_WORD_TOKEN = re.compile(r"\d+|[a-z]+", re.IGNORECASE)


def _value_of(word: str) -> int | None:
    if word in UNITS:
        return UNITS[word]
    if word in TEENS:
        return TEENS[word]
    if word in TENS:
        return TENS[word]
    return None


def read_digits(run: str) -> str:
    """Return the digits a spoken/written number run stands for.

    >>> read_digits("five five five oh one two three")
    '5550123'
    >>> read_digits("double five, triple seven")
    '55777'
    >>> read_digits("nineteen eighty four")
    '1984'
    >>> read_digits("four hundred twenty one")
    '421'
    """
    # pieces: [digits, kind, open_capacity]; kind "w" = a tens word awaiting a unit,
    # "m" = a hundred/thousand compound still accepting smaller parts.
    pieces: list[list[object]] = []
    repeat = 1
    for raw in _WORD_TOKEN.findall(run):
        word = raw.lower()
        if word.isdecimal():
            pieces.append([word * repeat, "d", 0])
            repeat = 1
            continue
        if word == "double":
            repeat = 2
            continue
        if word == "triple":
            repeat = 3
            continue
        if word in ("hundred", "thousand"):
            mult = 100 if word == "hundred" else 1000
            last = pieces[-1] if pieces else None
            if last is not None and last[1] in ("u", "t", "w", "m") and int(str(last[0])) < mult:
                pieces[-1] = [str(int(str(last[0])) * mult), "m", mult]
            else:
                pieces.append([str(mult), "m", mult])
            continue
        value = _value_of(word)
        if value is None:
            continue  # "and", stray words
        last = pieces[-1] if pieces else None
        if last is not None and last[1] == "m" and value < int(str(last[2])):
            total = int(str(last[0])) + value
            capacity = 10 if word in TENS else 0
            pieces[-1] = [str(total), "m" if capacity else "d", capacity]
            continue
        if last is not None and last[1] == "w" and word in UNITS and 0 < value < 10:
            pieces[-1] = [str(int(str(last[0])) + value), "t", 0]
            continue
        kind = "w" if word in TENS else ("u" if word in UNITS else "t")
        pieces.append([str(value) * repeat, kind, 0])
        repeat = 1
    return "".join(str(p[0]) for p in pieces)


def spoken_value(text: str) -> int | None:
    """Numeric value of a short number phrase ("ninety two", "a hundred and one", "92")."""
    digits = read_digits(text)
    if not digits:
        return None
    low = text.lower()
    # "one oh one" is digit-by-digit; "a hundred and one" / "ninety two" are cardinals.
    return int(digits) if len(digits) <= 4 or "hundred" in low else None


def ordinal_value(word: str) -> int | None:
    """Value of a day written as ordinal word, cardinal word or digits ("third", "3rd", "21")."""
    w = re.sub(r"[\s-]+", " ", word.strip().lower())
    w = re.sub(r"(?<=\d)(?:st|nd|rd|th)$", "", w)
    if w.isdecimal():
        return int(w)
    if w in ORDINALS:
        return ORDINALS[w]
    parts = w.split(" ")
    if len(parts) == 1 and w.startswith(("twenty", "thirty")) and len(w) > 6:
        head = "twenty" if w.startswith("twenty") else "thirty"
        parts = [head, w[len(head) :]]
    if len(parts) == 2 and parts[0] in TENS:
        tail = _ORD_UNITS.get(parts[1], UNITS.get(parts[1]))
        if tail is not None:
            return TENS[parts[0]] + tail
    value = _value_of(w)
    return value


def digit_words(digits: str) -> list[str]:
    """Spell digits one by one ("0123" -> ["zero", "one", "two", "three"])."""
    return [UNIT_WORDS[int(d)] for d in digits if d.isdecimal()]
