"""Names and dates of birth as callers say them (or type them on the keypad).

``parse_name("my name is jane q doe")`` -> "Jane Q Doe"; ``parse_dob(text, today)`` accepts
"march third nineteen eighty", "3/3/1980", "the third of march 1980", "oh three oh three nineteen
eighty", "1980-03-03"; ``parse_dob_digits("03031980", today)`` reads keypad MMDDYYYY. Dates in the
future or before 1900 are rejected (None): the caller is asked again.
"""

from __future__ import annotations

import re
from datetime import date

from namematch import fold, spelled_words, without_spelling
from orchestrator.understanding.numbers import Number, group_numbers, is_number_word, tokenize

MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

# Words that introduce a name, dropped from the front of the answer.
_NAME_LEADS = re.compile(
    r"^(?:(?:yes|yeah|yep|sure|okay|ok|um+|uh+|er+|hi|hello|hey|so|well|oh|alright|right)\s+)*"
    r"(?:(?:my\s+)?(?:full\s+|first\s+and\s+last\s+)?name(?:\s+is|'?s)|this\s+is|it\s+is|it'?s|i\s+am|"
    r"i'?m|the\s+name\s+is|the\s+patient\s+is|patient\s+is|call\s+me)?\s*"
)
_NAME_TAIL = re.compile(r"\s+(?:thanks|thank\s+you|please|speaking|here)$")
# An answer containing any of these is a request or a question, not a name.
_NOT_NAME_WORDS = frozenset(
    [
        "appointment",
        "appointments",
        "book",
        "booking",
        "schedule",
        "reschedule",
        "cancel",
        "want",
        "need",
        "would",
        "like",
        "what",
        "why",
        "how",
        "when",
        "where",
        "who",
        "which",
        "dont",
        "know",
        "forgot",
        "help",
        "person",
        "human",
        "operator",
        "agent",
        "representative",
        "receptionist",
        "doctor",
        "dr",
        "nurse",
        "yes",
        "no",
        "not",
        "sorry",
        "repeat",
        "again",
        "birth",
        "born",
        "date",
        "the",
        "a",
        "an",
        "of",
        "to",
        "for",
        "my",
        "your",
        "is",
        "are",
        "can",
        "could",
        "you",
        "i",
    ]
)


_NOT_LETTERS = re.compile(r"[^\w' \-]|[\d_]")


def _letters_only(text: str) -> str:
    """Lower case, letters of any script kept ("josé garcía"), other characters as spaces."""
    return re.sub(r"\s+", " ", _NOT_LETTERS.sub(" ", text.lower().replace("\u2019", "'"))).strip()


def parse_name(text: str) -> str | None:
    """A full name (two to five words, letters of any script) from the caller's answer,
    title-cased. "it's Doe, Jane" is read as "Jane Doe"; a spelling after the name ("Jane Doe,
    D O E", "Aisha Khan, that's A-I-S-H-A") is dropped, and corrects the word it spells when
    speech-to-text heard it differently ("Jane Dough, D O E" -> "Jane Doe")."""
    spelled = spelled_words(text)
    text = without_spelling(text)
    lead = _NAME_LEADS.match(_letters_only(text.replace(",", " , ")))
    if text.count(",") == 1:
        before, after = text.split(",")
        before_words = _NAME_LEADS.sub("", _letters_only(before), count=1).split()
        if len(before_words) == 1 and 1 <= len(after.split()) <= 2:
            text = f"{after} {before_words[0]}"  # "doe, jane": surname first
        elif lead is not None:
            text = text.replace(",", " ")
    cleaned = _letters_only(text)
    cleaned = _NAME_LEADS.sub("", cleaned, count=1).strip()
    cleaned = _NAME_TAIL.sub("", cleaned).strip()
    words = [w.strip("'-") for w in cleaned.split()]
    words = [w for w in words if w]
    if not 2 <= len(words) <= 5:
        return None
    if any(fold(w) in _NOT_NAME_WORDS or is_number_word(w) for w in words):
        return None
    for letters in spelled:
        # the word it spells starts with the same letter and is a few edits away
        near = [i for i, w in enumerate(words) if fold(w)[:1] == letters[:1]]
        if near:
            closest = min(near, key=lambda i: _distance(fold(words[i]), letters))
            if _distance(fold(words[closest]), letters) <= max(3, len(letters) // 2):
                words[closest] = letters
    return " ".join(_title(w) for w in words)


def _distance(a: str, b: str) -> int:
    from rapidfuzz.distance import Levenshtein

    return int(Levenshtein.distance(a, b))


# Words between a name and the date of birth that follows it: "jane doe, born on march 3rd",
# "jane doe and my date of birth is ...".
_DOB_LEAD_WORDS = frozenset(
    ["and", "my", "date", "of", "birth", "birthday", "dob", "is", "was", "born", "on", "the", "i"]
)


def name_before_date(text: str) -> str:
    """The words before a date of birth in one answer, without the words leading into the date:
    "Mary-Ann Thompson, born October tenth 1990" -> "Mary-Ann Thompson". Hyphens and
    apostrophes in the name are kept (``tokenize`` would split "Mary-Ann")."""
    words = text.split()
    kept: list[str] = []
    for word in words:
        token = re.sub(r"[^a-z0-9]", "", word.lower())
        if token in MONTHS or is_number_word(token) or (token and token[0].isdigit()):
            break
        kept.append(word)
    while kept and re.sub(r"[^a-z]", "", kept[-1].lower()) in _DOB_LEAD_WORDS | {""}:
        kept.pop()
    return " ".join(kept).rstrip(",.;:- ")


def _title(word: str) -> str:
    # O'Brien, Smith-Jones, García: capitalise each part, letters of any script.
    return re.sub(r"(^|['-])(\w)", lambda m: m.group(1) + m.group(2).upper(), word)


# Single words that answer something but are not a name.
_NOT_SINGLE_NAMES = frozenset(
    ["hello", "hi", "hey", "okay", "ok", "sure", "thanks", "yeah", "yep", "yup", "nope", "nah",
     "um", "uh", "hmm", "huh", "pardon", "bye", "goodbye", "right", "fine", "great", "what",
     "me", "it", "this", "that", "here", "there", "hold", "wait", "fever", "cough"]
)  # fmt: skip


def partial_name(text: str) -> str | None:
    """The one name word of an answer that gives only a first (or last) name, title-cased:
    "it's Mary-Ann" -> "Mary-Ann"; None for full names and for words that are not names."""
    cleaned = _letters_only(text)
    cleaned = _NAME_TAIL.sub("", _NAME_LEADS.sub("", cleaned, count=1).strip()).strip()
    words = cleaned.split()
    if len(words) != 1:
        return None
    word = words[0].strip("'-")
    if (
        not re.fullmatch(r"[^\W\d_]+(?:['-][^\W\d_]+)*", word)
        or len(word) < 2
        or word in _NOT_NAME_WORDS
        or word in _NOT_SINGLE_NAMES
        or is_number_word(word)
    ):
        return None
    return _title(word)


# Words of an answer to "may I have your name?" that refuse or ask to move on ("just put me
# through", "skip that", "I'd rather not"): such an answer gives no name.
_NOT_GIVEN_WORDS = frozenset(
    ["just", "put", "through", "connect", "transfer", "skip", "rather", "prefer", "none",
     "business", "private", "anonymous", "refuse", "decline", "nobody", "nothing", "matter",
     "hurry", "already", "said", "told", "give", "say", "tell", "nope", "nah", "whatever"]
)  # fmt: skip


def given_name(text: str) -> str | None:
    """The name in an answer to "may I have your first and last name?" asked once before a
    handoff: a full name ("it's maria garcia" -> "Maria Garcia") or, failing that, one name word
    ("maria" -> "Maria"); None when the caller declines or says something else ("I'd rather
    not", "just put me through", "what?"). Stricter than ``parse_name``: nobody verifies this
    name, so a refusal must not be written down as one."""
    cleaned = _letters_only(text)
    if any(w.strip("'-") in _NOT_GIVEN_WORDS for w in cleaned.split()):
        return None
    return parse_name(text) or partial_name(text)


# "my name is jane doe", "hi, this is jane doe calling": the caller introduces themselves.
_INTRODUCTION = re.compile(
    r"\b(?:my name is|my name'?s|the name is|name is)\s+(?P<named>[^,.;!?]+)"
    r"|\bthis is\s+(?P<calling>[^\W\d_][\w' \-]*?)\s+(?:calling|speaking|here)\b"
)
# Words that end the name in "my name is jane doe and i need ...".
_AFTER_NAME = frozenset(
    ["and", "i", "im", "i'm", "calling", "speaking", "here", "from", "born", "with", "but",
     "so", "about", "regarding", "please", "thanks", "thank", "my", "id", "i'd", "who"]
)  # fmt: skip


def introduced_name(text: str) -> str | None:
    """A full name the caller volunteers while asking for something else ("my name is James
    Smith, born ..., I need a person" -> "James Smith"; "hi this is jane doe calling about my
    bill" -> "Jane Doe"). Only explicit introductions count; None otherwise."""
    lowered = text.lower().replace("\u2019", "'")
    match = _INTRODUCTION.search(lowered)
    if match is None:
        return None
    words: list[str] = []
    for word in (match.group("named") or match.group("calling") or "").split():
        if word.strip("'-") in _AFTER_NAME or not re.fullmatch(r"[^\W\d_][\w'\-]*", word):
            break
        words.append(word)
    return given_name(" ".join(words[:4])) if len(words) >= 2 else None


def is_partial_name(text: str) -> bool:
    """True when the answer looks like a single name word ("john"): ask for the last name too."""
    return partial_name(text) is not None


def _valid(year: int, month: int, day: int, today: date) -> date | None:
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    if born > today or year < 1900:
        return None
    return born


def _year(value: int, today: date) -> int:
    """Two-digit years: the most recent past one ("80" -> 1980, "05" -> 2005)."""
    if value >= 100:
        return value
    century = today.year // 100 * 100
    return century + value if century + value <= today.year else century - 100 + value


def parse_dob_digits(digits: str, today: date) -> date | None:
    """Keypad entry: MMDDYYYY (8 digits) or MMDDYY (6 digits); ``#`` and ``*`` ignored."""
    raw = re.sub(r"[^0-9]", "", digits)
    if len(raw) == 8:
        return _valid(int(raw[4:]), int(raw[:2]), int(raw[2:4]), today)
    if len(raw) == 6:
        return _valid(_year(int(raw[4:]), today), int(raw[:2]), int(raw[2:4]), today)
    return None


_NUMERIC = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")


def parse_dob(text: str, today: date) -> date | None:
    """A date of birth in a spoken or written answer; None when there is none or it is invalid."""
    lowered = text.lower()
    iso = _ISO.search(lowered)
    if iso:
        return _valid(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)), today)
    numeric = _NUMERIC.search(lowered)
    if numeric:
        month, day, year = (int(g) for g in numeric.groups())
        return _valid(_year(year, today), month, day, today)

    month_name: int | None = None
    pieces: list[Number] = []
    for item in group_numbers(tokenize(lowered)):
        if isinstance(item, Number):
            pieces.append(item)
        elif item in MONTHS and month_name is None:
            month_name = MONTHS[item]
    if not pieces:
        return None
    if month_name is None and len(pieces) == 1 and len(pieces[0].text) in (6, 8):
        return parse_dob_digits(pieces[0].text, today)
    if month_name is None and len(pieces) in (6, 8) and all(p.is_single_digit for p in pieces):
        return parse_dob_digits("".join(p.text for p in pieces), today)
    born_year, rest = _take_year(pieces, today)
    if born_year is None:
        return None
    if month_name is not None:
        if len(rest) != 1:
            return None
        return _valid(born_year, month_name, rest[0].value, today)
    if len(rest) == 1 and len(rest[0].text) == 4 and not rest[0].ordinal:  # "0303 1980"
        return _valid(born_year, int(rest[0].text[:2]), int(rest[0].text[2:]), today)
    if len(rest) != 2:
        return None
    return _valid(born_year, rest[0].value, rest[1].value, today)


def _take_year(pieces: list[Number], today: date) -> tuple[int | None, list[Number]]:
    """The year from the end of the spoken pieces, and what is left before it."""
    last = pieces[-1]
    if last.ordinal:
        return None, pieces
    if last.value >= 1000:
        return last.value, pieces[:-1]
    if len(pieces) >= 2:
        century = pieces[-2]
        if (
            not century.ordinal
            and century.value in (19, 20)
            and (last.leading_zero or last.value >= 10)
            and len(pieces) >= 3
        ):
            return century.value * 100 + last.value, pieces[:-2]
    if len(pieces) >= 2 and last.value < 100:
        return _year(last.value, today), pieces[:-1]
    return None, pieces
