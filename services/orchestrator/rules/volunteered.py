"""What a caller says before it is asked for, kept apart from the answer to the question asked.

``read_volunteered("good morning this is jane doe, date of birth march 3rd 1980, i need a
checkup next tuesday", today)`` -> ``Offered(name="Jane Doe", date_of_birth=date(1980, 3, 3),
rest="i need a checkup next tuesday")``.

``rest`` is what is left for the phase's own question: the greeting and the date of birth
(found by ``understanding.dates.find_birth_date``: a full date in the past, never a wanted
appointment date) taken out, with the cue that led into it ("date of birth is"). The name is
read only where it is explicit: an introduction ("my name is", "this is ... calling") or the
words just before the date of birth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from orchestrator.understanding.dates import find_birth_date
from orchestrator.understanding.identity import (
    introduced_name,
    name_before_date,
    parse_dob,
    parse_name,
)

_FILLERS = r"(?:hi|hello|hey|hiya|oh|um+|uh+|er+|yes|yeah|yep|well|and|ok|okay|there|so)"
_GREETING = re.compile(
    rf"^(?:\W*{_FILLERS}\b)*\W*good (?:morning|afternoon|evening|day)\b[\s,.!]*"
    r"|(?<=[.,!?;])\s*good (?:morning|afternoon|evening|day)\b[\s,.!]*",
    re.IGNORECASE,
)
_DOB_CUE = re.compile(
    r"\b(?:date of birth|birth ?date|birthday|dob|d o b|born(?: on| in)?)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Offered:
    name: str | None
    date_of_birth: date | None
    rest: str  # the text without the greeting and the date of birth


def strip_greeting(text: str) -> str:
    """The text without "good morning" / "good afternoon" used as a greeting."""
    return _GREETING.sub(" ", text).strip()


# Where the words after a cue end: the next clause.
_CLAUSE_END = re.compile(r"[,.;!?]|\b(?:and|but|so|i|im|i'm|i've|ive|my|because)\b", re.IGNORECASE)


def _cued_birth_date(text: str, today: date) -> tuple[int, int] | None:
    """The span of a date of birth said right after its cue ("birthday two twenty eight two
    thousand one, ..."), in forms a full-date search may miss."""
    for cue in _DOB_CUE.finditer(text):
        start = cue.end()
        words = re.match(r"\s*(?:is|was|on|of)?\s*", text[start:])
        start += words.end() if words else 0
        end_match = _CLAUSE_END.search(text, start)
        end = end_match.start() if end_match else len(text)
        if end > start and parse_dob(text[start:end], today) is not None:
            return start, end
    return None


def read_volunteered(text: str, today: date) -> Offered:
    """See the module docstring."""
    rest = strip_greeting(text)
    found = find_birth_date(rest, today)
    span = found.span if found else _cued_birth_date(rest, today)
    # A year alone ("born in 1980") is no date to check a record with.
    born = parse_dob(rest[span[0] : span[1]], today) if span else None
    name = introduced_name(rest)
    if span is not None:
        cues = list(_DOB_CUE.finditer(rest[: span[0]]))
        cue = cues[-1] if cues else None
        if cue is not None and len(rest[cue.end() : span[0]].split()) <= 3:
            span = (cue.start(), span[1])  # "date of birth is" goes with the date
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
