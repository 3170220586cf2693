"""What a caller says before it is asked for, kept apart from the answer to the question asked.

``read_volunteered("good morning this is jane doe, date of birth march 3rd 1980, i need a
checkup next tuesday", today)`` -> ``Offered(name="Jane Doe", date_of_birth=date(1980, 3, 3),
rest="i need a checkup next tuesday")``.

``rest`` is what the slot readers see: the greeting ("good morning" is not a morning preference)
and the date of birth (not the wanted appointment date) taken out. A date counts as a date of
birth when a cue says so ("born", "date of birth", "dob", "birthday") or when its year is past;
an appointment is never wanted in the past. The name is read only where it is explicit: an
introduction ("my name is", "this is ... calling") or the words just before the date of birth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from orchestrator.understanding.identity import (
    MONTHS,
    introduced_name,
    name_before_date,
    parse_dob,
    parse_name,
)
from orchestrator.understanding.numbers import is_number_word

_FILLERS = r"(?:hi|hello|hey|hiya|oh|um+|uh+|er+|yes|yeah|yep|well|and|ok|okay|there|so)"
_GREETING = re.compile(
    rf"^(?:\W*{_FILLERS}\b)*\W*good (?:morning|afternoon|evening|day)\b[\s,.!]*"
    r"|(?<=[.,!?;])\s*good (?:morning|afternoon|evening|day)\b[\s,.!]*",
    re.IGNORECASE,
)
_DOB_CUE = re.compile(
    r"\b(?:date of birth|birth ?date|birthday|dob|d o b|born(?: on| in)?)\b", re.IGNORECASE
)
# The year that ends a spoken or written date of birth.
_YEAR_WORDS = (
    r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|"
    r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|oh|o)"
)
_YEAR = re.compile(
    r"\b(?:(?:19|20)\d\d|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2})\b"
    rf"|\b(?:nineteen|two thousand(?: and)?)(?:[ -]{_YEAR_WORDS}){{0,2}}"
    r"(?:[ -](?:one|two|three|four|five|six|seven|eight|nine))?\b",
    re.IGNORECASE,
)
_DATE_WORDS = frozenset(["of", "the", "on", "st", "nd", "rd", "th", "and"])


@dataclass(frozen=True)
class Offered:
    name: str | None
    date_of_birth: date | None
    rest: str  # the text without the greeting and the date of birth


def strip_greeting(text: str) -> str:
    """The text without "good morning" / "good afternoon" used as a greeting."""
    return _GREETING.sub(" ", text).strip()


def _dob_span(text: str) -> tuple[int, int] | None:
    """Where the date of birth is in ``text``: from its cue or first date word to its year."""
    for year in _YEAR.finditer(text):
        cue = None
        for found in _DOB_CUE.finditer(text[: year.start()]):
            cue = found
        if cue is not None and len(text[cue.end() : year.start()].split()) <= 6:
            return cue.start(), year.end()
        # No cue: walk back over the day and month words before the year.
        start = year.start()
        for word in reversed(list(re.finditer(r"[\w']+", text[: year.start()]))):
            token = word.group().lower()
            if (
                token in MONTHS
                or token in _DATE_WORDS
                or is_number_word(token)
                or token[0].isdigit()
            ):
                start = word.start()
                continue
            break
        return start, year.end()
    return None


def read_volunteered(text: str, today: date) -> Offered:
    """See the module docstring."""
    rest = strip_greeting(text)
    span = _dob_span(rest)
    born = parse_dob(rest[span[0] : span[1]], today) if span else None
    if born is not None and span is not None:
        cued = _DOB_CUE.search(rest[span[0] : span[1]]) is not None
        if not cued and born.year >= today.year:
            born = None  # "march 3rd 2026" is an appointment date, not a birth date
    name = introduced_name(rest)
    if born is not None and span is not None:
        if name is None:
            before = name_before_date(_DOB_CUE.sub(" ", rest[: span[0]]))
            before = re.sub(
                r"^(?:\W*(?:hi|hello|hey|its|it's|it is|this is|i am|im|i'm|yes|um+|uh+)\b)+",
                "",
                before,
                flags=re.IGNORECASE,
            )
            name = parse_name(before) if before.strip() else None
        rest = f"{rest[: span[0]]} {rest[span[1] :]}"
    return Offered(name, born, " ".join(rest.split()))
