"""Structural detectors: identifiers recognisable by shape alone (written or spoken).

Each detector appends ``(start, end, entity, source)`` candidates for one segment;
the engine resolves overlaps.  All regexes are compiled once at import.
"""

from __future__ import annotations

import datetime as _dt
import re

from ._spoken import (
    DAY_CARD,
    MONTH_RE,
    MONTHS,
    NUM_WORD,
    ORD_WORD,
    SPOKEN_YEAR,
    TEEN,
    TENS_RE,
    UNIT_NZ,
    ordinal_value,
)
from ._types import Entity, Source
from ._words import COMMON, FUNCTION

# (start, end, entity, source, rank): rank breaks overlaps; known 3 > cue 2 > shape 1 > fallback 0.
Cand = tuple[int, int, Entity, Source, int]

_I = re.IGNORECASE
P = Source.PATTERN

# --- email / url / ip ---------------------------------------------------------------
EMAIL = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
_TLD = r"(?:com|net|org|edu|gov|io|us|co|info|biz|me|uk|ca|mil)"
# Spoken domain: "at gmail dot com", "at g mail dot com", "at clinic dot co dot uk".
SPOKEN_DOMAIN = re.compile(
    rf"\s+(?:at|@)\s+(?:[a-z0-9]+(?:[ \-][a-z0-9]+)?\s*(?:\bdot\b|\.)\s*)+{_TLD}\b", _I
)
_EMAIL_CONNECT = frozenset(
    {"dot", "underscore", "dash", "hyphen", "period", "point", "_", "-", "."}
)
_EMAIL_CUE = re.compile(r"\b(?:e-?mail(?:\s+address)?|address)(?:\s+is|\s*:|'s)?\s*$", _I)
URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)]"
    rf"|\b(?<!@)[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.{_TLD}\b(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)])?"
    rf"|\b(?:w\s?w\s?w|www|dub\s+dub\s+dub)\s+dot\s+[a-z0-9\-]+(?:\s+dot\s+[a-z0-9\-]+)*\s+dot\s+{_TLD}\b"
    r"(?:\s+(?:slash|forward slash)\s+[a-z0-9\-]+)*",
    _I,
)
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]\d)")
IPV6 = re.compile(
    r"(?<![\w:])(?=[0-9a-f:]*::?[0-9a-f]*:)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])", _I
)

# --- phone / ssn written ------------------------------------------------------------
PHONE = re.compile(
    r"(?<![\w+])(?:\+?1[ \-.]?)?(?:\(\d{3}\)[ \-.]?|\d{3}[ \-.])\d{3}[ \-.]\d{4}(?!\d)"
    r"|(?<![\w\-])\d{3}-\d{4}(?![\w\-])"
)
SSN = re.compile(r"(?<![\w\-])\d{3}[- ]\d{2}[- ]\d{4}(?![\w\-])")

# --- dates ----------------------------------------------------------------------------
_DAY_NUM = r"\d{1,2}(?:st|nd|rd|th)?"
_DAY_SFX = r"\d{1,2}(?:st|nd|rd|th)"
_YEAR = rf"(?:\d{{4}}|'\d{{2}}|{SPOKEN_YEAR}|{TENS_RE}(?:[ -]{UNIT_NZ})?|oh[ -]{UNIT_NZ})"
_YEAR_TAIL = rf"(?:(?:\s*,\s*|\s+)(?:of\s+|in\s+)?{_YEAR}\b|\s*,\s*\d{{2}}\b)"
DATE_MONTH_FIRST = re.compile(
    rf"\b{MONTH_RE}\.?\s+(?:the\s+)?(?:{_DAY_NUM}|{ORD_WORD})\b{_YEAR_TAIL}?"
    rf"|\b(?!may\b){MONTH_RE}\.?\s+{DAY_CARD}\b{_YEAR_TAIL}?"
    rf"|\bmay\s+{DAY_CARD}\b{_YEAR_TAIL}",
    _I,
)
DATE_DAY_FIRST = re.compile(
    rf"\b(?:the\s+)?(?:{_DAY_NUM}|{ORD_WORD})\s+of\s+{MONTH_RE}\b{_YEAR_TAIL}?"
    rf"|\b(?:{_DAY_SFX}|{ORD_WORD})\s+{MONTH_RE}\b{_YEAR_TAIL}?"
    rf"|\b\d{{1,2}}\s+{MONTH_RE}\.?\s+\d{{4}}\b",
    _I,
)
DATE_MONTH_YEAR = re.compile(rf"\b{MONTH_RE}\.?\s+(?:of\s+)?(?:\d{{4}}|{SPOKEN_YEAR})\b", _I)
DATE_NUMERIC = re.compile(
    r"(?<![\w/.\-])(\d{1,2})([/\-.])(\d{1,2})\2(\d{4}|\d{2})(?![\w/]|\.\d)"
    r"|(?<![\w/.\-])(\d{4})([/\-.])(\d{1,2})\6(\d{1,2})(?![\w/]|\.\d)"
)
_TIME_AFTER = re.compile(
    r"\s*(?:a\.?m\b\.?|p\.?m\b\.?|o'?clock|in the (?:morning|afternoon|evening))", _I
)


def _valid_md(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def find_dates(seg: str, out: list[Cand]) -> None:
    """Full dates in any common written or spoken form (month+day, day+month, numeric)."""
    for hint in _MONTH_HINT.finditer(seg):
        lo, hi = hint.start(), hint.end()
        found = [
            DATE_MONTH_FIRST.match(seg, lo),
            DATE_MONTH_YEAR.match(seg, lo),
            DATE_DAY_FIRST.search(seg, max(0, lo - 40), hi + 48),
        ]
        for m in found:
            if m is None or m.start() > hi or m.end() < lo:
                continue
            # "march 3 at 10 am": the "year" grabbed a time; keep only month+day.
            end = m.end()
            if _TIME_AFTER.match(seg, end):
                tail = re.search(r"(?:\s*,\s*|\s+)\S+$", seg[m.start() : end])
                if tail is not None and tail.start() > 0:
                    end = m.start() + tail.start()
            out.append((m.start(), end, Entity.DATE, P, 1))
    if any(c in seg for c in "/-."):
        for m in DATE_NUMERIC.finditer(seg):
            if m.group(1):
                ok = _valid_md(int(m.group(1)), int(m.group(3))) or _valid_md(
                    int(m.group(3)), int(m.group(1))
                )
            else:
                ok = _valid_md(int(m.group(7)), int(m.group(8)))
            if ok:
                out.append((m.start(), m.end(), Entity.DATE, P, 1))


_MONTH_HINT = re.compile(rf"\b{MONTH_RE}\b", _I)


def valid_date_digits(digits: str) -> bool:
    """True if 6/8 digits read as MMDDYY or MMDDYYYY (spoken "oh three oh three eighty")."""
    if len(digits) not in (6, 8):
        return False
    month, day = int(digits[:2]), int(digits[2:4])
    if len(digits) == 8 and digits[4:6] not in ("19", "20"):
        return False
    try:
        _dt.date(2000 if len(digits) == 6 else int(digits[4:]), month, day)
    except ValueError:
        return False
    return True


def month_day_of(text: str) -> tuple[int, int] | None:
    """Best-effort (month, day) of a date phrase; used to compare with a known DOB."""
    low = text.lower()
    mm = re.search(rf"\b{MONTH_RE}\b", low)
    if mm is None:
        return None
    month = MONTHS.get(mm.group(0).rstrip("."))
    if month is None:
        return None
    rest = (
        low[mm.end() :] if mm.start() == 0 or "of" not in low[: mm.start()] else low[: mm.start()]
    )
    dm = re.search(rf"\d{{1,2}}(?:st|nd|rd|th)?|{ORD_WORD}|{DAY_CARD}", rest)
    if dm is None:
        return None
    day = ordinal_value(dm.group(0))
    return (month, day) if day else None


# --- age over 89 -------------------------------------------------------------------
_AGE_NUM = (
    rf"(?:\d{{2,3}}|ninety(?:[ -]{UNIT_NZ})?|(?:a|one)\s+hundred(?:\s+(?:and\s+)?"
    rf"(?:{TENS_RE}(?:[ -]{UNIT_NZ})?|{TEEN}|{UNIT_NZ}))?)"
)
_NOT_AGE_AFTER = (
    r"(?!\s*(?:percent|%|dollars|bucks|minutes|mins|seconds|pounds|lbs|kilos|kg|mg|milligrams|"
    r"days|weeks|months|times|degrees|units|o'clock|am\b|pm\b|a\.m|p\.m|over|out of|miles|"
    r"feet|inches|beats|bpm|calories|dollar|cents))"
)
_AGE_HINT = re.compile(r"\d\d|ninety|hundred", _I)
AGE = re.compile(
    rf"\b(?:age[ds]?|i'?m|i\s+am|she'?s|he'?s|she\s+is|he\s+is|who'?s|who\s+is|turned|turning|"
    rf"turns|will\s+be|just\s+turned|patient\s+is|mom\s+is|dad\s+is)\s+(?:now\s+|almost\s+|"
    rf"nearly\s+|about\s+|over\s+|already\s+)?(?P<a>{_AGE_NUM})\b{_NOT_AGE_AFTER}"
    rf"|(?P<b>{_AGE_NUM})[\s-]*(?:years?|yrs?)[\s-]*(?:old|of\s+age)\b"
    rf"|\baged?\s*:?\s*(?P<c>\d{{2,3}})\b",
    _I,
)


def find_ages(seg: str, out: list[Cand]) -> None:
    """Ages of 90 and over (HIPAA aggregates those); younger ages are not PHI."""
    if _AGE_HINT.search(seg) is None:
        return
    for m in AGE.finditer(seg):
        g = "a" if m.group("a") else ("b" if m.group("b") else "c")
        text = m.group(g)
        from ._spoken import spoken_value  # local: keeps import graph flat

        value = spoken_value(text)
        if value is not None and 90 <= value <= 125:
            out.append((m.start(g), m.end(g), Entity.AGE, P, 1))


# --- addresses ------------------------------------------------------------------------
_SUFFIX_WORDS = [
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "boulevard",
    "blvd",
    "lane",
    "ln",
    "drive",
    "dr",
    "court",
    "ct",
    "way",
    "place",
    "pl",
    "terrace",
    "ter",
    "circle",
    "cir",
    "parkway",
    "pkwy",
    "highway",
    "hwy",
    "trail",
    "trl",
    "square",
    "sq",
    "loop",
    "alley",
    "plaza",
    "crescent",
    "row",
    "pike",
    "turnpike",
    "expressway",
    "freeway",
    "alley",
    "branch",
    "bridge",
    "brook",
    "brooks",
    "burg",
    "burgs",
    "bypass",
    "camp",
    "canyon",
    "cape",
    "causeway",
    "center",
    "centers",
    "circles",
    "cliff",
    "cliffs",
    "club",
    "common",
    "corner",
    "corners",
    "course",
    "courts",
    "cove",
    "coves",
    "creek",
    "crest",
    "crossing",
    "crossroad",
    "curve",
    "dale",
    "dam",
    "divide",
    "drives",
    "estate",
    "estates",
    "extension",
    "extensions",
    "fall",
    "falls",
    "ferry",
    "field",
    "fields",
    "flat",
    "flats",
    "ford",
    "fords",
    "forest",
    "forge",
    "forges",
    "fork",
    "forks",
    "fort",
    "garden",
    "gardens",
    "gateway",
    "glen",
    "glens",
    "green",
    "greens",
    "grove",
    "groves",
    "harbor",
    "harbors",
    "haven",
    "heights",
    "hill",
    "hills",
    "hollow",
    "inlet",
    "island",
    "islands",
    "isle",
    "junction",
    "junctions",
    "key",
    "keys",
    "knoll",
    "knolls",
    "lake",
    "lakes",
    "land",
    "landing",
    "light",
    "lights",
    "loaf",
    "lock",
    "locks",
    "lodge",
    "mall",
    "manor",
    "manors",
    "meadow",
    "meadows",
    "mews",
    "mill",
    "mills",
    "mission",
    "motorway",
    "mount",
    "mountain",
    "mountains",
    "neck",
    "orchard",
    "oval",
    "overpass",
    "park",
    "parks",
    "parkways",
    "pass",
    "passage",
    "path",
    "pine",
    "pines",
    "plain",
    "plains",
    "point",
    "points",
    "port",
    "ports",
    "prairie",
    "radial",
    "ramp",
    "ranch",
    "rapid",
    "rapids",
    "rest",
    "ridge",
    "ridges",
    "river",
    "roads",
    "route",
    "rue",
    "run",
    "shoal",
    "shoals",
    "shore",
    "shores",
    "skyway",
    "spring",
    "springs",
    "spur",
    "spurs",
    "squares",
    "station",
    "stravenue",
    "stream",
    "streets",
    "summit",
    "throughway",
    "trace",
    "track",
    "trafficway",
    "tunnel",
    "underpass",
    "union",
    "unions",
    "valley",
    "valleys",
    "via",
    "viaduct",
    "view",
    "views",
    "village",
    "villages",
    "ville",
    "vista",
    "walk",
    "walks",
    "wall",
    "ways",
    "well",
    "wells",
]
_SUFFIX = "(?:" + "|".join(sorted(set(_SUFFIX_WORDS), key=len, reverse=True)) + ")"
_HOUSE = rf"(?:\d{{1,6}}[a-z]?|{NUM_WORD}(?:[ -]{NUM_WORD}){{0,4}})"
_STREET_WORD = (
    r"(?!(?:and|or|the|my|in|at|on|is|to|for|but|with)\b)[a-z][a-z'.]*|\d{1,3}(?:st|nd|rd|th)"
)
_UNIT = (
    rf"(?:\s*,?\s*(?:apartment|apt|unit|suite|ste|number|no|#|building|bldg|floor|fl|room|rm)"
    rf"\.?\s*#?\s*(?:[a-z]\b\s*)?(?:\d+[a-z]?|{NUM_WORD}(?:[ -]{NUM_WORD}){{0,2}})(?:\s*[a-z]\b)?)?"
)
STATES = (
    r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|"
    r"NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC)"
)
STATE_NAMES = (
    r"(?:alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|"
    r"georgia|hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|"
    r"massachusetts|michigan|minnesota|mississippi|missouri|montana|nebraska|nevada|"
    r"new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma|"
    r"oregon|pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|utah|"
    r"vermont|virginia|washington|west virginia|wisconsin|wyoming)"
)
_CITY_TAIL = (
    rf"(?:,\s*(?:[A-Za-z][a-z]+\s+){{0,2}}[A-Za-z][a-z]+(?:,\s*|\s+)(?:(?-i:{STATES})|{STATE_NAMES})\b"
    rf"(?:,?\s+\d{{5}}(?:-\d{{4}})?)?)?"
)
PO_BOX = re.compile(
    rf"\b(?:p\.?\s?o\.?|post\s+office)\s*box\s+(?:\d+|{NUM_WORD}(?:[ -]{NUM_WORD}){{0,4}})\b", _I
)
_SUFFIX_SET = frozenset(_SUFFIX_WORDS)
_WORD = re.compile(r"[A-Za-z][A-Za-z'.]*|\d+[A-Za-z]*")
_UNIT_RE = re.compile(_UNIT + _CITY_TAIL, _I)
_HOUSE_RE = re.compile(rf"\d{{1,6}}[a-z]?|{NUM_WORD}", _I)
_DIRECTION = frozenset(
    ["north", "south", "east", "west", "n", "s", "e", "w", "n.", "s.", "e.", "w."]
)
_ZIP5 = re.compile(r"(?<![\w\-])\d{5}(?:-\d{4})?(?![\w\-])")
_STATE_BEFORE = re.compile(rf"(?:\b(?-i:{STATES})|\b{STATE_NAMES}),?\s+$", _I)
_NUMBERISH = re.compile(rf"\d+|{NUM_WORD}|double|triple", _I)
_HAS_DIGITISH = re.compile(rf"\d|\b{NUM_WORD}\b", _I)


_NOT_STREET = frozenset(
    [
        "and",
        "or",
        "the",
        "my",
        "in",
        "at",
        "on",
        "is",
        "to",
        "for",
        "but",
        "with",
        "as",
        "of",
        "a",
        "an",
        "it",
        "this",
        "that",
        "pills",
        "pill",
        "tablets",
        "times",
        "days",
        "weeks",
        "months",
        "years",
        "hours",
        "minutes",
        "mg",
        "milligrams",
        "units",
        "doses",
        "of",
        "out",
        "over",
        "under",
        "about",
        "every",
        "each",
        "per",
        "than",
        "then",
    ]
)
_CITY_AFTER = re.compile(r"(?:[ \t]*,)?[ \t]+([A-Za-z][A-Za-z'\-]*)")
_CITY_STOP = frozenset(["zip", "zipcode", "code", "apt", "apartment", "unit", "suite", "ste"])


def _house_start(words: list[re.Match[str]], k: int) -> int | None:
    """Start of "<house number> [direction] <1-3 street words>" that ends before ``words[k]``."""
    i = k - 1
    street = 0
    while i >= 0 and street < 4:
        token = words[i].group(0)
        if street >= 1 and _HOUSE_RE.fullmatch(token):
            break
        if token.lower() in _NOT_STREET:
            return None
        street += 1
        i -= 1
    if i < 0 or street == 0:
        return None
    if street == 4 and words[i + 1].group(0).lower() not in _DIRECTION:
        return None
    start = None
    taken = 0
    while i >= 0 and taken < 5 and _HOUSE_RE.fullmatch(words[i].group(0)):
        start = words[i].start()
        i -= 1
        taken += 1
    return start


def find_addresses(seg: str, out: list[Cand]) -> None:
    """Street addresses (written or spoken house numbers), P.O. boxes, ZIP after a state.

    Anchored on street-suffix words (a set lookup, cheaper than one big regex),
    then walks back to the house number.  A city right after it ("..., Port
    Donaldton") is part of the address.
    """
    if _HAS_DIGITISH.search(seg):
        words = list(_WORD.finditer(seg))
        for k, w in enumerate(words):
            if w.group(0).lower().rstrip(".") not in _SUFFIX_SET:
                continue
            start = _house_start(words, k)
            if start is None:
                continue
            end = w.end()
            unit = _UNIT_RE.match(seg, end)
            if unit is not None:
                end = unit.end()
            for _ in range(3):
                c = _CITY_AFTER.match(seg, end)
                if c is None:
                    break
                lw = c.group(1).lower().replace("'", "")
                if lw in COMMON or lw in _CITY_STOP or _NUMBERISH.fullmatch(lw):
                    break
                end = c.end()
            out.append((start, end, Entity.ADDRESS, P, 1))
    if "box" in seg.lower():
        for m in PO_BOX.finditer(seg):
            out.append((m.start(), m.end(), Entity.ADDRESS, P, 1))
    for m in _ZIP5.finditer(seg):
        if _STATE_BEFORE.search(seg, max(0, m.start() - 20), m.start()):
            out.append((m.start(), m.end(), Entity.ZIP, P, 1))


def find_written(seg: str, out: list[Cand]) -> None:
    """Emails, URLs, IPs, written phones and SSNs."""
    if "@" in seg:
        for m in EMAIL.finditer(seg):
            out.append((m.start(), m.end(), Entity.EMAIL, P, 1))
    if "." in seg or "www" in seg.lower():
        for m in URL.finditer(seg):
            if "@" not in seg[max(0, m.start() - 1) : m.start()]:
                out.append((m.start(), m.end(), Entity.URL, P, 1))
        for m in IPV4.finditer(seg):
            if all(int(p) <= 255 for p in m.group(0).split(".")):
                out.append((m.start(), m.end(), Entity.IP, P, 1))
    if ":" in seg:
        for m in IPV6.finditer(seg):
            if m.group(0).count(":") >= 3 or "::" in m.group(0):
                out.append((m.start(), m.end(), Entity.IP, P, 1))
    for m in SSN.finditer(seg):
        out.append((m.start(), m.end(), Entity.SSN, P, 1))
    for m in PHONE.finditer(seg):
        out.append((m.start(), m.end(), Entity.PHONE, P, 1))


def find_spoken_emails(seg: str, out: list[Cand]) -> None:
    """Emails spoken as "john dot smith at gmail dot com" or spelled "j s m i t h at ..."."""
    for m in SPOKEN_DOMAIN.finditer(seg):
        if re.match(r"\s+(?:at|@)\s+www\b", m.group(0), _I):
            continue  # "log in at www.x.com" is a URL
        start = _email_local_start(seg, m.start())
        if start is not None and not all(
            w in FUNCTION for w in re.findall(r"[a-z']+", seg[start : m.start()].lower())
        ):
            out.append((start, m.end(), Entity.EMAIL, P, 1))


_TOKENS_BACK = re.compile(r"[A-Za-z0-9_\-.']+")


def _email_local_start(seg: str, at: int) -> int | None:
    """Walk back from " at " over the local part: words joined by connectors, letters, digits."""
    head = seg[:at]
    toks = list(_TOKENS_BACK.finditer(head))
    if not toks:
        return None
    # With an explicit cue ("my email is ..."), everything after it is the local part.
    for i in range(len(toks) - 1, max(-1, len(toks) - 10), -1):
        prefix = head[: toks[i].start()]
        if _EMAIL_CUE.search(prefix) and i >= len(toks) - 8:
            return toks[i].start()
    i = len(toks) - 1
    start = toks[i].start()
    i -= 1
    while i >= 0:
        word = toks[i].group(0).lower()
        nxt = toks[i + 1].group(0).lower()
        if word in _EMAIL_CONNECT and i - 1 >= 0:
            start = toks[i - 1].start()
            i -= 2
            continue
        if nxt in _EMAIL_CONNECT:
            start = toks[i].start()
            i -= 1
            continue
        if len(word) == 1 or word.isdecimal() or word in _DIGIT_WORDS:
            start = toks[i].start()
            i -= 1
            continue
        if (len(nxt) == 1 or nxt.isdecimal() or nxt in _DIGIT_WORDS) and word not in _FUNCTIONISH:
            # "jerome five two at ...": a word right before trailing digits is the user name.
            start = toks[i].start()
            i -= 1
            continue
        break
    return start


_DIGIT_WORDS = frozenset(
    [
        "zero",
        "oh",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "twenty",
        "thirty",
    ]
)
_FUNCTIONISH = frozenset(
    [
        "is",
        "it's",
        "its",
        "my",
        "me",
        "the",
        "a",
        "an",
        "at",
        "to",
        "and",
        "or",
        "email",
        "mail",
        "address",
        "e-mail",
        "was",
        "be",
        "me",
        "you",
    ]
)
