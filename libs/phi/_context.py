"""Cue-driven detectors: values identified by the words around them.

"my member id is X J four five", "social is one two three...", "my name is maria
lopez", "for my daughter Emma", "I live in Springfield", plus the digit-run
fallback that classifies un-cued number runs by length and shape.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from ._patterns import Cand, valid_date_digits
from ._spoken import NUM_RUN, NUM_WORD, TEEN, TENS_RE, UNIT, read_digits
from ._types import Entity, Source
from ._words import COMMON, FUNCTION, TITLES

_I = re.IGNORECASE
C = Source.CONTEXT

# --- identifiers after a cue ----------------------------------------------------------
ID_CUES = re.compile(
    r"\b(?=[lsmcrpahgibdvnetzf])(?:"
    r"(?P<SSN4>last\s+(?:four|4)(?:\s+digits)?\s+of\s+(?:my|his|her|the|your)\s+(?:social|ssn)"
    r"(?:\s+security)?(?:\s+number)?)"
    r"|(?P<SSN>social(?:\s+security)?(?:\s+(?:number|no|#))?|ssn|s\s?s\s?n)"
    r"|(?P<MRN>medical\s+record(?:\s+(?:number|no|#))?|mrn|m\s?r\s?n|chart\s+(?:number|no|#|id)"
    r"|record\s+number|patient\s+(?:id|number|identifier|account)|hospital\s+number|medical\s+id)"
    r"|(?P<ACCOUNT>account(?:\s+(?:number|no|#|id))?|member(?:ship)?\s*(?:id|number|no|#)?"
    r"|policy(?:\s+(?:number|no|#|id))?|insurance\s+(?:id|number|card\s+number)"
    r"|subscriber\s+(?:id|number)|(?:health\s+)?plan\s+(?:id|number)|group\s+(?:number|no|#|id)"
    r"|card\s+number|beneficiary\s+(?:id|number)|claim\s+number|billing\s+(?:id|number)"
    r"|medicaid(?:\s+(?:id|number))?|medicare(?:\s+(?:id|number))?|invoice\s+number)"
    r"|(?P<ID>driver'?s?\s+licen[cs]e(?:\s+(?:number|no|#))?|licen[cs]e(?:\s+(?:plate|number|no|#))?"
    r"|plate(?:\s+number)?|serial(?:\s+(?:number|no|#))?|device\s+(?:id|number)"
    r"|certificate(?:\s+number)?|vin|vehicle\s+(?:id|identification)(?:\s+number)?"
    r"|passport(?:\s+number)?|dea(?:\s+number)?|npi|confirmation\s+(?:number|code)"
    r"|reference\s+number|case\s+number|id\s+number|identification\s+number|badge\s+number"
    r"|employee\s+(?:id|number)|student\s+id|tax\s+id|ein|tin|pin)"
    r"|(?P<PHONE>(?:phone|cell|mobile|home|work|contact|callback|call\s+back|best|fax|telephone)"
    r"(?:\s+(?:phone|number|no|#))?|call\s+(?:me|us|her|him|them)(?:\s+back)?(?:\s+(?:at|on))?"
    r"|reach\s+(?:me|us|her|him|them)(?:\s+(?:at|on))?|text\s+(?:me|her|him)(?:\s+at)?"
    r"|number\s+(?:is|was|would\s+be)|my\s+number|digits|extension|ext|area\s+code)"
    r"|(?P<ZIP>zip(?:\s*code)?|postal\s+code)"
    r"|(?P<DOB>date\s+of\s+birth|d\.?\s?o\.?\s?b\.?|birth\s*day|birth\s*date|born(?:\s+(?:on|in))?)"
    r")\b",
    _I,
)
_ENTITY_OF_CUE: dict[str, Entity] = {
    "SSN4": Entity.SSN,
    "SSN": Entity.SSN,
    "MRN": Entity.MRN,
    "ACCOUNT": Entity.ACCOUNT,
    "ID": Entity.ID,
    "PHONE": Entity.PHONE,
    "ZIP": Entity.ZIP,
    "DOB": Entity.DATE,
}
_FILLER = re.compile(
    r"(?:[\s,:#.\-]+|\b(?:is|it's|its|it|was|are|were|number|no|num|would|should|be|that's|thats"
    r"|of|the|my|his|her|their|our|id|code|um|uh|uhh|umm|ok|okay|so|yeah|yes|let|me|see|actually"
    r"|at|on|in|just|like|sure|its|goes|reads|ends|starts|with|you|can|use|try|here|and|then"
    r"|oh|well|hmm|hold|on|one|sec|second|thing|sorry|i|think|believe|i'm|im|pretty)\b)*",
    _I,
)
_VAL_TOKEN = (
    rf"(?:[a-z]{{0,4}}\d[a-z0-9]*|{NUM_WORD}|double|triple"
    rf"|(?-i:[A-Z]{{1,4}})(?=[ \t,\-]*(?:\d|{UNIT}\b))"
    rf"|[a-z](?=[ \t]*[,\-.]?[ \t]*(?:[a-z]\b|\d|{UNIT}\b|double\b|triple\b)))"
)
_VAL_SEP = r"(?:[ \t]*[,\-./][ \t]*|[ \t]+(?:dash[ \t]+)?)"
VALUE = re.compile(rf"{_VAL_TOKEN}\b(?:{_VAL_SEP}(?:{_VAL_TOKEN}|o)\b)*", _I)


def _alnum_count(value: str) -> tuple[int, int]:
    digits = len(read_digits(value))
    letters = sum(1 for w in re.findall(r"[A-Za-z]+", value) if len(w) <= 4 and not _is_num_word(w))
    return digits, letters


def _is_num_word(word: str) -> bool:
    return re.fullmatch(rf"{NUM_WORD}|double|triple|oh|o|and", word, _I) is not None


def find_cued_ids(seg: str, runs: list[tuple[int, int, str]], out: list[Cand]) -> None:
    """Identifier values after a cue ("member id is XJ4 5567", "born in nineteen eighty").

    A value that starts a longer number run (groups said with fillers between them) takes the
    whole run: "my social is one two three, uh, four five, six seven eight nine".
    """
    for cue in ID_CUES.finditer(seg):
        kind = cue.lastgroup or "ID"
        entity = _ENTITY_OF_CUE[kind]
        m = _value_after(seg, cue.end())
        if m is None:
            continue
        value = m.group(0)
        digits, letters = _alnum_count(value)
        end = m.end()
        for r_start, r_end, r_digits in runs:
            if entity in (Entity.ZIP, Entity.DATE):
                break  # fixed lengths: a longer run is not this value
            if r_start <= m.start() < r_end and r_end > end:
                end, digits = r_end, max(digits, len(r_digits))
                break
        # The first group of a number said in pieces ("my cell is eight four three") is
        # already part of the number.
        group = digits >= 3 and _DIGIT_BY_DIGIT.fullmatch(seg, m.start(), end) is not None
        if kind == "SSN4" or entity is Entity.SSN:
            ok = digits >= 4 or group
        elif entity is Entity.PHONE:
            ok = (
                digits >= 7
                or group
                or (kind == "PHONE" and digits >= 4 and "ext" in cue.group(0).lower())
            )
        elif entity is Entity.ZIP:
            ok = digits in (5, 9)
            if not ok:  # "zip is nine oh two one oh p.o. box": the value is the number run
                run = next((r for r in runs if r[0] == m.start() and len(r[2]) in (5, 9)), None)
                if run is not None:
                    ok, end = True, run[1]
        elif entity is Entity.DATE:
            ok = 4 <= digits <= 8 and letters == 0
        else:
            ok = digits >= 3 or (digits >= 2 and digits + letters >= 4)
        if ok:
            out.append((m.start(), end, entity, C, 2))


_ANY_WORD = re.compile(r"[\s,:#.\-]*[A-Za-z']+")


def _value_after(seg: str, pos: int) -> re.Match[str] | None:
    """The value following a cue, skipping filler and up to four other words
    ("subscriber id ON THE CARD is ...")."""
    for _ in range(5):
        filler = _FILLER.match(seg, pos)
        start = _back_off_number_words(seg, pos, filler.end()) if filler else pos
        m = VALUE.match(seg, start)
        if m is not None:
            return m
        w = _ANY_WORD.match(seg, start)
        if w is None or ID_CUES.match(
            seg, w.start() + len(w.group(0)) - len(w.group(0).lstrip(" \t,:#.-"))
        ):
            return None
        pos = w.end()
    return None


def _back_off_number_words(seg: str, start: int, end: int) -> int:
    """The filler may have eaten "one" (as in "one sec") that actually starts the value."""
    text = seg[start:end]
    for w in re.finditer(r"\b(?:one|on|oh)\b", text, _I):
        after = seg[start + w.end() : start + w.end() + 12].lower()
        if re.match(rf"[\s,\-]*(?:{NUM_WORD}|\d|double|triple)\b", after):
            return start + w.start()
    return end


# --- un-cued number runs -------------------------------------------------------------
RUN = re.compile(NUM_RUN, _I)
_HAS_NUMBER = re.compile(rf"\d|\b(?:{UNIT}|{TEEN}|{TENS_RE}|double|triple)\b", _I)
_TIME_AFTER = re.compile(
    r"[ \t]*(?:a\.?[ \t]?m\b\.?|p\.?[ \t]?m\b\.?|o'?clock|in\s+the\s+(?:morning|afternoon|evening)"
    r"|tonight|this\s+(?:morning|afternoon|evening)|ish\b|hours?\b|hrs?\b|sharp\b)",
    _I,
)
_UNIT_AFTER = re.compile(
    r"[ \t]*(?:mgs?\b|milligrams?|mcg|micrograms?|ml\b|milliliters?|units?\b|cc\b|grams?\b|"
    r"g\b|kg\b|"
    r"kilos?|lbs?\b|pounds?|dollars?|bucks|cents|percent|%|minutes?|mins?\b|seconds?|days?\b|"
    r"weeks?|months?|years?\b|times|pills?|tablets?|capsules?|doses?|steps|miles|calories|feet|"
    r"foot|inches|degrees|beats|bpm|ounces?|oz\b|liters?|iu\b|puffs?|drops?|refills?|people|"
    r"patients|visits|sessions|out\s+of)",
    _I,
)
_MONEY_BEFORE = re.compile(r"\$[ \t]*$")
_HOUR_WORDS = frozenset(
    [
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
    ]
)
_MINUTE_RE = re.compile(rf"^(?:oh[ -]{UNIT}|{TEEN}|{TENS_RE}(?:[ -]{UNIT})?|o'?clock|hundred)$", _I)


# What a caller says between the groups of one number: pauses, fillers, "then", "area code",
# "dash", a false start ("the rest is"). Never a question or an exclamation.
_GAP = re.compile(
    r"(?:[ \t,.;\-/()]+|\b(?:u+h+|u+m+|e+r+m*|a+h+|h+m+|m+|and|then|dash|hyphen|so|okay|ok"
    r"|like|sorry|wait|yeah|yes|it's|its|it|is|the|rest|next|last|part|after\s+that|that's|thats"
    r"|followed|by|let|me|see|hold|on|sec|i|think|goes|more|space|well|right|got|it"
    r"|you|ready|again|sure|now|with|ending|ends|in)\b)*",
    _I,
)
_MAX_GAP = 40


def _breaks_sequence(seg: str, start: int, end: int) -> bool:
    """A time, a quantity or money is never one group of a longer number. A group said digit
    by digit ("five oh two") is a group even though it could be read as a time."""
    return (
        "/" in seg[start:end]  # a written date
        or _UNIT_AFTER.match(seg, end) is not None
        or _MONEY_BEFORE.search(seg, 0, start) is not None
        or _TIME_AFTER.match(seg, end) is not None
        or (_is_time(seg, start, end) and _DIGIT_BY_DIGIT.fullmatch(seg, start, end) is None)
    )


# A written date, or a written year closing a spoken date ("june sixth, 2018, three nine six").
_WRITTEN_DATE = re.compile(r"\d{1,4}/\d{1,2}/\d{2,4}|\b(?:19|20)\d\d\b(?=[ \t]*,)")


def _pieces(seg: str, dates: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Number runs, cut where a date starts or ends inside them ("7/2/36, 312 then ...",
    "february tenth nineteen sixty one, seven seven six ...")."""
    out: list[tuple[int, int]] = []
    for m in RUN.finditer(seg):
        start, end = m.start(), m.end()
        inner = [p for a, b in dates for p in (a, b) if start < p < end]
        if any(c.isdecimal() for c in m.group(0)):  # only written digits make a written date
            inner += [p for d in _WRITTEN_DATE.finditer(seg, start, end) for p in d.span()]
        cuts = sorted(set(inner))
        if not cuts:
            out.append((start, end))
            continue
        bounds = [start, *cuts, end]
        for a, b in itertools.pairwise(bounds):
            while a < b and not seg[a].isalnum():
                a += 1
            while b > a and not seg[b - 1].isalnum():
                b -= 1
            if a < b:
                out.append((a, b))
    return out


def _phone_tail(seg: str, prev: tuple[int, int, str], start: int, end: int, digits: str) -> bool:
    """A time-shaped group ("twelve thirty four") that completes a phone number begun by the
    group before it. Never one with a.m./p.m. or o'clock after it."""
    return (
        len(prev[2]) >= 3
        and len(prev[2]) + len(digits) in (7, 10, 11)
        and _TIME_AFTER.match(seg, end) is None
        and _UNIT_AFTER.match(seg, end) is None
        and "/" not in seg[start:end]
    )


def number_runs(seg: str, dates: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, str]]:
    """All number runs in a segment as (start, end, digits).

    Groups said with pauses or fillers between them ("eight four three, uh, six four one...
    four five oh seven", "area code seven two two, then four three four") form ONE run: a
    phone number or SSN is redacted whole, never only its last group.
    """
    if _HAS_NUMBER.search(seg) is None:
        return []
    runs: list[tuple[int, int, str]] = []
    joinable = False
    for start, end in _pieces(seg, dates):
        digits = read_digits(seg[start:end])
        if not digits:
            continue
        # A piece of a date is never a group of a longer number.
        breaks = any(a <= start and end <= b for a, b in dates) or _breaks_sequence(seg, start, end)
        if breaks and runs and joinable and _phone_tail(seg, runs[-1], start, end, digits):
            breaks = False  # "five five five, uh, twelve thirty four": a group, not 12:34
        if runs and joinable and not breaks:
            p_start, p_end, p_digits = runs[-1]
            # A number said again ("..., again that's three five six ...") starts a new run.
            if (
                len(p_digits) < 10
                and start - p_end <= _MAX_GAP
                and _GAP.fullmatch(seg, p_end, start)
            ):
                runs[-1] = (p_start, end, p_digits + digits)
                continue
        runs.append((start, end, digits))
        joinable = not breaks
    return runs


def _is_time(seg: str, start: int, end: int) -> bool:
    if _TIME_AFTER.match(seg, end):
        return True
    words = seg[start:end].lower().split()
    if 2 <= len(words) <= 3 and words[0] in _HOUR_WORDS:
        return _MINUTE_RE.match(" ".join(words[1:])) is not None
    return False


_SSN_GROUPS = re.compile(r"3 2 4")
_DIGIT_BY_DIGIT = re.compile(
    rf"(?:\d{{3}}|{UNIT}|double|triple)(?:[ \t,.\-]+(?:{UNIT}|double|triple))*", _I
)
# What may surround a lone group of three digits said as a turn of its own ("eight four three",
# "um it's eight four three"): only fillers and phone words, nothing that makes it a count.
_LONE_REST = re.compile(
    r"(?:[\s,.:;\-]+|\b(?:u+h+|u+m+|e+r+m*|h+m+|okay|ok|so|yeah|yes|it's|its|it|is|my|the|number"
    r"|phone|cell|area|code|first|part|starts|with|and|then|sure|well)\b)*",
    _I,
)


def read_groups(run: str) -> str:
    """Digit counts of the groups of a run, e.g. "3 2 4" for "123-45-6789" or
    "one two three, four five, six seven eight nine"."""
    sizes = [len(read_digits(g)) for g in re.split(r"[,.\-/]+|\s{2,}", run) if read_digits(g)]
    return " ".join(str(n) for n in sizes)


_QUOTES = "'\"\u2018\u2019\u201c\u201d"


def _lone_group(seg: str, start: int, end: int) -> bool:
    """Three digits said as a turn of their own, or quoted as one (a summary that says
    "could not understand: 'six four one'")."""
    if _DIGIT_BY_DIGIT.fullmatch(seg, start, end) is None:
        return False
    lo, hi = 0, len(seg)
    q_open = max(seg.rfind(q, 0, start) for q in _QUOTES)
    if q_open >= 0:
        closes = [i for i in (seg.find(q, end) for q in _QUOTES) if i >= 0]
        if closes:
            lo, hi = q_open + 1, min(closes)
    return (
        _LONE_REST.fullmatch(seg, lo, start) is not None
        and _LONE_REST.fullmatch(seg, end, hi) is not None
    )


def find_runs(seg: str, runs: list[tuple[int, int, str]], out: list[Cand], strict: bool) -> None:
    """Classify un-cued number runs: long runs are identifiers, whatever was said before."""
    floor = 4 if strict else 6
    for start, end, digits in runs:
        n = len(digits)
        if n < floor:
            if strict and n == 3 and _lone_group(seg, start, end):
                out.append((start, end, Entity.ID, Source.PATTERN, 0))
            continue
        if (
            _UNIT_AFTER.match(seg, end)
            or _MONEY_BEFORE.search(seg, 0, start)
            or _is_time(seg, start, end)
        ):
            continue
        if n == 10 or (n == 11 and digits[0] == "1") or n == 7:
            entity = Entity.PHONE
        elif n == 9 and _SSN_GROUPS.fullmatch(read_groups(seg[start:end])):
            entity = Entity.SSN
        elif valid_date_digits(digits) or (n == 4 and digits[:2] in ("19", "20")):
            entity = Entity.DATE
        else:
            entity = Entity.ID
        out.append((start, end, entity, Source.PATTERN, 0))


# --- names ----------------------------------------------------------------------------
_REL = (
    r"(?:daughter|son|wife|husband|mother|mom|mum|father|dad|child|kid|boy|girl|grandmother|grandma"
    r"|grandfather|grandpa|grandson|granddaughter|brother|sister|partner|baby|boyfriend|girlfriend"
    r"|aunt|uncle|niece|nephew|friend|fianc[eé]e?|spouse|stepson|stepdaughter|stepmother|stepfather"
    r"|mother-in-law|father-in-law|roommate|neighbou?r|caregiver|client|twins?|toddler|infant|newborn)"
)
_AGE_ADJ = (
    r"(?:(?:little|baby|older|younger|big|eldest|oldest|youngest|teenage|elderly|grown|adult"
    r"|late|sick|new)\s+)?"
)
NAME_CUES = re.compile(
    r"\b(?=[mhtnfilpugcoskaswdj])(?:(?P<strong>my\s+name\s+is|my\s+name's|(?:his|her|their|the)\s+name\s+is|name\s+is|name's"
    r"|names\s+is|(?:my|the|his|her|their)\s+names|name\s+es|me\s+llamo|mi\s+nombre\s+es"
    r"|je\s+m'appelle|ich\s+hei(?:ss|ß)e|(?:first|last|full|middle|maiden|sur|given|family)\s*name(?:\s+is|'s|:)?"
    r"|patient(?:'s)?\s+name(?:\s+is|:)?|(?:the\s+)?patient(?:\s+is|\s+named|:)|named|goes\s+by"
    r"|under\s+the\s+name(?:\s+of)?|under\s+the\s+last\s+name|on\s+behalf\s+of|name\s+on\s+the"
    r"\s+(?:account|file|chart|appointment|card)\s+is|calling\s+for|known\s+as"
    rf"|(?:my|our|his|her)\s+{_REL}(?:'s\s+name\s+is|\s+is\s+named|\s+named|\s+called))"
    r"|(?P<weak>(?:it's|its|it\s+is|this\s+is)\s+(?:me|just\s+me)(?:\s+again)?,?"
    r"|(?:it's|its|it\s+is|should\s+be|booked|listed|filed|look)\s+(?:it\s+)?under"
    r"(?!\s+(?:the|my|his|her)\s)"
    r"|this\s+is|(?:just\s+)?call\s+me|it's|its|it\s+is|i'm|i\s+am|im|hi|hello|hey"
    r"|(?:this|it)\s+was|hey\s+there|he's|she's|he\s+is|she\s+is|soy|habla"
    rf"|(?:for|with|about|and)\s+(?:my|our|his|her)\s+{_AGE_ADJ}{_REL},?"
    rf"|(?:my|our|his|her)\s+{_AGE_ADJ}{_REL},?"
    r"|(?:appointment|appt|booking|visit|checkup|reservation|refill|prescription|message|records?)"
    r"\s+(?:for|under)|speaking\s+with|talking\s+to|ask\s+for|looking\s+for)"
    r"|(?P<title>mr|mrs|ms|miss|mx|mister|missus)\.?"
    r")(?:\b|(?<=:))",
    _I,
)
# Weaker person cues, used in strict mode only ("see Maria", "with John").
EXTRA_CUES = re.compile(
    r"\b(?:for|with|and|to|see|ask|tell|from|thanks|thank\s+you|about|by|dear|patient|visiting)\b",
    _I,
)
_NAME_TOKEN = re.compile(r"[ \t]*[,.]?[ \t]*([A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z])(?![\w@])")
_CASED = re.compile(r"(?<![A-Za-z'])(?!I\b|I'[a-z])[A-Z]")


def _norm(word: str) -> str:
    w = word.lower()
    if w.endswith("'s"):
        w = w[:-2]
    return w.replace("'", "")


_CALENDAR = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
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
        "today",
        "tomorrow",
    ]
)
_HESITATIONS = frozenset(["uh", "um", "umm", "uhh", "er", "erm", "hmm", "ah", "eh", "mm"])
# Lower-case particles inside surnames ("van den Hoek", "da Cruz", "Ó Briain" folds to "O").
PARTICLES = frozenset(
    [
        "van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "dos", "do", "du",
        "la", "le", "ter", "ten", "bin", "ibn", "al", "el", "mac", "mc", "o", "ni", "nic", "y",
    ]
)  # fmt: skip


def _take_name(
    seg: str,
    pos: int,
    *,
    first_stop: frozenset[str],
    cont_stop: frozenset[str],
    need_cap: bool,
    allow: frozenset[str],
) -> tuple[int, int] | None:
    """Up to three name tokens starting at ``pos``; None when the first token is not a name."""
    start = end = -1
    first_cap = False
    count = 0
    # A staff name (every token allowed) is not PHI; a patient who shares a staff member's first
    # name ("James Smith" at a clinic with "Dr. James Okafor") still is.
    all_allowed = True
    particles = 0
    lead = -1
    while count < 3 + particles:
        m = _NAME_TOKEN.match(seg, pos)
        if m is None:
            break
        if count and ("," in seg[pos : m.start(1)] or "." in seg[pos : m.start(1)]):
            break
        word = m.group(1)
        w = _norm(word)
        if count == 0 and w in _HESITATIONS:
            pos = m.end()  # "it's, uh, Chidi Eze"
            continue
        if count and w in PARTICLES and _NAME_TOKEN.match(seg, m.end()) is not None:
            # "van den Hoek", "da Cruz", "Ó Briain": part of the surname, not a stop word
            nxt = _NAME_TOKEN.match(seg, m.end())
            if nxt is not None and _norm(nxt.group(1)) not in cont_stop and particles < 2:
                particles += 1
                count += 1
                end = m.end(1)
                pos = m.end()
                continue
        if count == 0 and w in TITLES and w not in ("dr", "doctor", "prof", "professor"):
            pos = m.end()
            if seg[pos : pos + 1] == ".":
                pos += 1
            continue
        if len(word) == 1 and count == 0:
            nxt = _NAME_TOKEN.match(seg, m.end())
            if lead < 0 and w in PARTICLES and nxt is not None and len(nxt.group(1)) > 1:
                lead = m.start(1)  # "last name Ó Déadaigh"
                pos = m.end()
                continue
            break
        staff_first_name = count == 0 and w in allow
        if staff_first_name:
            # Take the allowed first token only when a name that is not allowed follows.
            nxt = _NAME_TOKEN.match(seg, m.end())
            if nxt is None or _norm(nxt.group(1)) in allow or _norm(nxt.group(1)) in cont_stop:
                break
        if count == 0:
            if w in first_stop or (need_cap and not word[0].isupper()):
                return None
            if first_stop is not FUNCTION and len(w) > 5 and w.endswith("ing") and word.islower():
                return None  # "I'm shaking", "it's bleeding": a verb, not a name
            # After a staff first name the surname decides, whatever its case ("Priya smith").
            first_cap = word[0].isupper() and not staff_first_name
            start = m.start(1) if lead < 0 else lead
        else:
            # In cased text a capitalised word after a capitalised first name is a surname even
            # when it is also a word ("Aimée Parent", "Jane Little"); not a day or a month.
            surname = first_cap and word[0].isupper() and w not in FUNCTION and w not in _CALENDAR
            if (w in cont_stop and not surname) or (first_cap and not word[0].isupper()):
                break
        all_allowed = all_allowed and w in allow
        end = m.end(1)
        if word.lower().endswith("'s"):
            end -= 2
            count += 1
            break
        count += 1
        pos = m.end()
    return (start, end) if count and not all_allowed else None


# Clinic and identifier acronyms said letter by letter.
SPELLED_ACRONYMS = frozenset(
    [
        "mrn",
        "ssn",
        "dob",
        "npi",
        "dea",
        "vin",
        "pin",
        "ein",
        "id",
        "er",
        "icu",
        "ent",
        "mri",
        "ekg",
        "ecg",
        "uti",
        "std",
        "copd",
        "adhd",
        "obgyn",
        "obg",
        "pcp",
        "ppo",
        "hmo",
        "usa",
    ]
)


def _letters_of(spelled: str) -> str:
    return "".join(re.findall(r"(?<![a-z])[a-z](?![a-z])", spelled.lower()))


def _word_spelled(seg: str, start: int, spelled: str) -> tuple[int, int] | None:
    """The word a spelling spells, said just before it: "Kate, that's K A T E"."""
    letters = _letters_of(spelled)
    if len(letters) < 2:
        return None
    for w in reversed(list(re.finditer(r"[A-Za-z][A-Za-z'\-]*", seg[max(0, start - 60) : start]))):
        if re.sub(r"[^a-z]", "", w.group(0).lower()) == letters:
            base = max(0, start - 60)
            return base + w.start(), base + w.end()
    return None


SPELLED = re.compile(
    r"(?<![\w'])[a-z](?:(?:[ \t]*[\-.,][ \t]*|[ \t]+)[a-z](?![\w'])){2,}\.?"
    r"|(?<![\w'])[a-z][ \t]+as[ \t]+in[ \t]+[a-z]+"
    r"(?:[ \t]*,?[ \t]*(?:and[ \t]+)?[a-z][ \t]+as[ \t]+in[ \t]+[a-z]+)+",
    _I,
)
_SPELL_CUE = re.compile(r"\b(?:spell(?:ed|ing|s)?|that's|thats|it's|name|is|like)\b[\s:,]*$", _I)
_SPELLING_HINT = re.compile(
    r"(?<![\w'])[a-z][ \t]*[\-., \t][ \t]*[a-z][ \t]*[\-., \t][ \t]*[a-z](?![\w'])|as in", _I
)


_SPEAKING = re.compile(
    r"(?:^|[,.!?;][ \t]*|\b(?:hi|hello|hey|yes|yeah|yep|oh|um|uh|morning|afternoon)\b[,.!]?[ \t]+)"
    r"((?:[A-Za-z][A-Za-z'\-]*[ \t]+){0,2}[A-Za-z][A-Za-z'\-]*)[ \t]*,?[ \t]+(?:speaking|here)\b",
    _I,
)


# A form read aloud: "name Kyano van Haeften, DOB ...", "patient name: ..." (segment start or
# after a comma).
_NAME_FIELD = re.compile(r"(?:^|[,;:.][ \t]*)(?:patient[ \t]+|full[ \t]+)?name[ \t]*:?[ \t]+", _I)


def find_names(seg: str, out: list[Cand], strict: bool, allow: frozenset[str]) -> None:
    """Person names after cue phrases, titles, relations, and spelled-out names."""
    cased = _CASED.search(seg) is not None
    if "speaking" in seg or "here" in seg.lower():
        for m in _SPEAKING.finditer(seg):
            words = m.group(1).split()
            if all(
                _norm(w) not in COMMON and _norm(w) not in allow and len(w) > 1 for w in words
            ) and (not cased or all(w[0].isupper() for w in words)):
                out.append((m.start(1), m.end(1), Entity.NAME, C, 2))
    cues = list(NAME_CUES.finditer(seg))
    for field in _NAME_FIELD.finditer(seg):
        span = _take_name(
            seg, field.end(), first_stop=FUNCTION, cont_stop=FUNCTION, need_cap=False, allow=allow
        )
        if span is not None:
            out.append((span[0], span[1], Entity.NAME, C, 2))
    if strict:
        cues.extend(EXTRA_CUES.finditer(seg))
    for cue in cues:
        kind = cue.lastgroup or "extra"
        if kind == "strong" or kind == "title":
            span = _take_name(
                seg, cue.end(), first_stop=FUNCTION, cont_stop=FUNCTION, need_cap=False, allow=allow
            )
        elif kind == "weak":
            span = _take_name(
                seg, cue.end(), first_stop=COMMON, cont_stop=COMMON, need_cap=cased, allow=allow
            )
        else:
            span = _take_name(
                seg, cue.end(), first_stop=COMMON, cont_stop=COMMON, need_cap=cased, allow=allow
            )
            if span is not None and not cased:
                span = (
                    None if cue.group(0).lower() in ("and", "to", "about", "by", "from") else span
                )
        if span is not None:
            out.append((span[0], span[1], Entity.NAME, C, 2))
    if _SPELLING_HINT.search(seg):
        for m in SPELLED.finditer(seg):
            text = m.group(0)
            said = _word_spelled(seg, m.start(), text)
            if said is not None:
                out.append((said[0], said[1], Entity.NAME, C, 2))
            if _letters_of(text) in SPELLED_ACRONYMS:
                continue  # "my m r n is", "d o b": a cue said letter by letter, not a name
            if (
                strict
                or "as in" in text.lower()
                or _SPELL_CUE.search(seg, 0, m.start())
                or ("-" in text and text.upper() == text)
            ):
                out.append((m.start(), m.end(), Entity.NAME, Source.PATTERN, 1))


# --- names without a cue, where a name is expected ------------------------------------
_WORDS3 = r"((?:[A-Za-z][A-Za-z'\-]*[ \t]+){0,4}?[A-Za-z][A-Za-z'\-]*)"
# A name right before a date of birth: "okay so Keisha Dimitriou, march third 1980",
# "jose garcia born oh three oh three eighty", "Zoë Müller and my DOB is ...". Read backwards
# from the date (a regex anchored at the date would be tried at every start: too slow).
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_SEPARATORS = re.compile(r"[\s.,;:\-]*")
_SPACES = re.compile(r"[ \t]+")
_DOB_CUE_WORDS = frozenset(
    [
        "and",
        "my",
        "the",
        "date",
        "of",
        "birth",
        "dob",
        "d",
        "o",
        "b",
        "birthday",
        "birthdate",
        "born",
        "on",
        "in",
        "is",
        "was",
        "s",
        "her",
        "his",
    ]
)


def _words_before_dob(seg: str, lo: int, hi: int) -> tuple[int, str] | None:
    """(start, text) of the up to five words that end right before a date of birth, once its
    cue ("and my date of birth is", "born on") and separators are set aside."""
    toks = list(_WORD.finditer(seg, lo, hi))
    i, tail = len(toks), hi
    while i and _SEPARATORS.fullmatch(seg, toks[i - 1].end(), tail):
        if toks[i - 1].group(0).lower() not in _DOB_CUE_WORDS:
            break
        tail = toks[i - 1].start()
        i -= 1
    if not i or not _SEPARATORS.fullmatch(seg, toks[i - 1].end(), tail):
        return None
    j = i - 1
    while j and i - j < 5 and _SPACES.fullmatch(seg, toks[j - 1].end(), toks[j].start()):
        j -= 1
    return toks[j].start(), seg[toks[j].start() : toks[i - 1].end()]


# A name opening an identity answer, then what identity answers go on with.
_OPENERS = (
    r"(?:(?:okay|ok|so|yeah|yes|yep|yup|um+|uh+|er+m*|well|hi|hello|hey|sure|right|alright"
    r"|oh|and|morning|good\s+morning|good\s+afternoon|hmm+)[ \t]*[,.!]?[ \t]+)*"
)
_NAME_AT_START = re.compile(
    r"^[ \t]*" + _OPENERS + _WORDS3 + r"(?=[ \t]*(?:[,;]|$|\.\s|\.$|[ \t]+(?:and[ \t]+)?"
    r"(?:my|born|dob|date[ \t]+of[ \t]+birth|here|speaking|calling|d[ \t]?o[ \t]?b)\b))",
    _I,
)
_IDENTITY_NEXT = re.compile(
    r"[ \t]*[,;]?[ \t]*(?:and[ \t]+)?(?:my[ \t]+)?"
    r"(?:born|dob|d[ \t]?o[ \t]?b|date[ \t]+of[ \t]+birth|birth[ \t]*day"
    r"|(?:cell|phone|number|address|email|social|member|insurance|mrn|chart))\b",
    _I,
)
_YEARISH = re.compile(
    r"\b(?:1[89]\d\d|20[0-2]\d|nineteen|two thousand|twenty (?:oh|o|ten|eleven|twelve|thirteen"
    r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty))\b|[/\-.]\d{2,4}\b"
    r"|'\d\d\b|\b(?:eighty|seventy|sixty|fifty|ninety|forty)",
    _I,
)
_DOB_CUE = re.compile(r"\b(?:born|birth|d\.?\s?o\.?\s?b)\b", _I)


# Words of the cues themselves ("born", "dob") are never the name they announce.
_CUE_WORDS = frozenset(
    ["born", "dob", "d.o.b", "birth", "birthday", "birthdate", "date", "cell", "phone", "number"]
)


def _bare_name(
    seg: str,
    start: int,
    words: str,
    *,
    cased: bool,
    allow: frozenset[str],
    strip: bool = True,
) -> tuple[int, int] | None:
    """The name inside ``words`` (at ``start``): drop leading ordinary words (when ``strip``),
    then every remaining word must look like a name (not a common word; capitalised in cased
    text)."""
    toks = list(re.finditer(r"[A-Za-z][A-Za-z'\-]*", words))
    while (
        strip and toks and (_norm(toks[0].group(0)) in COMMON or _norm(toks[0].group(0)) in TITLES)
    ):
        toks.pop(0)
    if not toks or len(toks) - sum(_norm(t.group(0)) in PARTICLES for t in toks[1:-1]) > 3:
        return None
    before = seg[max(0, start + toks[0].start() - 12) : start + toks[0].start()].lower()
    if re.search(r"\b(?:dr|doctor|nurse|prof|professor)\.?\s*$", before):
        return None  # a provider ("Dr. Okafor, March 3rd") is not the caller
    all_allowed = True
    for k, t in enumerate(toks):
        w = t.group(0)
        lw = _norm(w)
        if 0 < k < len(toks) - 1 and lw in PARTICLES:
            continue
        if (
            lw in COMMON
            or lw in _CUE_WORDS
            or (cased and not w[0].isupper())
            or (len(w) == 1 and len(toks) == 1)
        ):
            return None
        all_allowed = all_allowed and lw in allow
    if all_allowed:
        return None
    return start + toks[0].start(), start + toks[-1].end()


_ANSWER_END = re.compile(r"[\s.,!?]*")


_CLAUSE_START = re.compile(r"(?:^|[,;:.!?][ \t]*|\b(?:and|so|okay|ok|yes|yeah|um|uh)[ \t]+)$", _I)


def _name_suffix(seg: str, start: int, words: str, *, cased: bool) -> tuple[int, str] | None:
    """The uncommon words ending ``words`` (the name before a date of birth). Lower-case text
    needs two of them, or one that opens its clause ("yes, jose, born ..."): one uncommon
    word after ordinary ones is as likely a verb ("my chart says 12/9/70")."""
    toks = list(_WORD.finditer(words))
    k = len(toks)
    while k and (
        _norm(toks[k - 1].group(0)) not in COMMON
        or (0 < k - 1 < len(toks) - 1 and _norm(toks[k - 1].group(0)) in PARTICLES)
    ):
        if (
            cased
            and not toks[k - 1].group(0)[0].isupper()
            and _norm(toks[k - 1].group(0)) not in PARTICLES
        ):
            break
        k -= 1
    name = toks[k:]
    if not name:
        return None
    first = start + name[0].start()
    if not cased and len(name) < 2 and not _CLAUSE_START.search(seg, max(0, first - 12), first):
        return None
    return first, words[name[0].start() : name[-1].end()]


def find_bare_names(seg: str, out: list[Cand], allow: frozenset[str], strict: bool) -> None:
    """Names said without a cue where a name is expected: right before a date of birth, or
    opening an identity answer ("Keisha Dimitriou, and my cell is ...")."""
    cased = _CASED.search(seg) is not None
    for c in [c for c in out if c[2] is Entity.DATE]:
        d_start, d_end = c[0], c[1]
        # Only a birth date: it has a year or a birth cue (appointment dates rarely do).
        if not (
            c[4] == 0  # a digit run read as a date: "oh nine oh three thirty seven"
            or c[3] is Source.CONTEXT
            or _YEARISH.search(seg, d_start, d_end)
            or _DOB_CUE.search(seg, max(0, d_start - 25), d_start)
        ):
            continue
        before = _words_before_dob(seg, max(0, d_start - 90), d_start)
        if before is None:
            continue
        name = _name_suffix(seg, before[0], before[1], cased=cased)
        if name is None:
            continue
        span = _bare_name(seg, name[0], name[1], cased=cased, allow=allow, strip=False)
        if span is not None:
            out.append((span[0], span[1], Entity.NAME, C, 2))
    m = _NAME_AT_START.match(seg)
    if m is not None and (
        cased
        or _IDENTITY_NEXT.match(seg, m.end(1))
        # strict: an answer that is nothing but two or three uncommon words ("keisha dimitriou")
        or (strict and " " in m.group(1).strip() and _ANSWER_END.fullmatch(seg, m.end(1)))
    ):
        span = _bare_name(seg, m.start(1), m.group(1), cased=cased, allow=allow, strip=False)
        # One capitalised word opening a sentence is as likely a verb ("Reschedule.").
        if span is not None and (
            " " in seg[span[0] : span[1]] or _IDENTITY_NEXT.match(seg, span[1])
        ):
            out.append((span[0], span[1], Entity.NAME, C, 2))


# --- capitalised names without a cue (strict) --------------------------------------------
_CAP_RUN = re.compile(
    r"(?<![\w'])[A-Z][a-z][A-Za-z'\-]*(?:[ \t]+[A-Z][a-z][A-Za-z'\-]*){1,2}(?![\w'])"
)
# Words of organisations and places that capitalised phrases are made of, not people.
_ORG_WORDS = frozenset(
    [
        "clinic", "hospital", "medical", "medicine", "center", "centre", "pharmacy", "insurance",
        "health", "healthcare", "group", "associates", "practice", "family", "care", "urgent",
        "general", "memorial", "university", "college", "school", "church", "bank", "county",
        "department", "office", "lab", "labs", "laboratory", "blue", "cross", "shield", "united",
        "national", "american", "street", "road", "avenue", "lane", "drive", "boulevard",
        "line", "maps", "airport", "station", "mall", "market", "store", "hotel", "park",
        "company", "inc", "corp", "services", "center", "institute", "foundation", "fund",
    ]
)  # fmt: skip
_TITLE_BEFORE = re.compile(r"\b(?:dr|doctor|nurse|prof|professor|np|pa)\.?[ \t]*$", _I)


def find_cased_names(seg: str, out: list[Cand], allow: frozenset[str]) -> None:
    """Strict mode, text with case: two or three capitalised words that are not ordinary words
    ("hi it's me again, Tom, Tom Becker") are a name wherever they stand. Not in title-cased or
    upper-case text, not after a provider title, not when made of organisation words."""
    if seg.islower() or seg.isupper():
        return
    words = _WORD.findall(seg)
    capitals = sum(1 for w in words if w[0].isupper())
    if not words or capitals < 2 or capitals * 2 > len(words):
        return
    for m in _CAP_RUN.finditer(seg):
        toks = [_norm(w) for w in m.group(0).split()]
        if any(t in COMMON or t in TITLES or t in _ORG_WORDS or t in _STATE_WORDS for t in toks):
            continue
        if all(t in allow for t in toks) or _TITLE_BEFORE.search(
            seg, max(0, m.start() - 10), m.start()
        ):
            continue
        out.append((m.start(), m.end(), Entity.NAME, C, 1))


# --- a name said again ----------------------------------------------------------------
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z'\-]*)[ \t]+$")


def _occurrences(low: str, word: str) -> list[int]:
    """Starts of ``word`` in ``low`` that begin a word."""
    out: list[int] = []
    i = low.find(word)
    while i >= 0:
        if i == 0 or not (low[i - 1].isalnum() or low[i - 1] == "'"):
            out.append(i)
        i = low.find(word, i + 1)
    return out


def propagate_names(seg: str, out: list[Cand], allow: frozenset[str]) -> None:
    """Every other mention of a word already found as a name is the name too, with the name
    words that follow it: "it's Glenn, sorry, Glenn Ó Maolfhábhaill", "Zoë Müller, no, Zoë is
    my first name". Within the segment only (the streaming guarantee)."""
    found = [c for c in out if c[2] is Entity.NAME]
    if not found:
        return
    words = {
        _norm(w)
        for c in found
        for w in _WORD.findall(seg, c[0], c[1])
        if len(w) > 1 and _norm(w) not in COMMON and _norm(w) not in PARTICLES
    }
    if not words:
        return
    cased = _CASED.search(seg) is not None
    covered = [(c[0], c[1]) for c in found]
    # Look only where one of the words occurs (str.find), not at every word of the segment.
    low = seg.lower()
    hits = sorted({i for w in words for i in _occurrences(low, w)})
    for m in (_WORD.match(seg, i) for i in hits):
        if m is None or _norm(m.group(0)) not in words:
            continue
        if any(a <= m.start() < b for a, b in covered):
            continue
        start = m.start()
        # "Aaliyah Villaseñor" after "Villaseñor" was found; "Ó Hoireabaird": name words and
        # particles just before belong to the name.
        for _ in range(2):
            p = _WORD_BEFORE.search(seg, max(0, start - 30), start)
            if p is None:
                break
            w = _norm(p.group(1))
            if not (
                (w in PARTICLES and (not cased or p.group(1)[0].isupper()))
                or (cased and p.group(1)[0].isupper() and w not in COMMON and w not in allow)
            ):
                break
            start = p.start(1)
        span = _take_name(
            seg, m.start(), first_stop=frozenset(), cont_stop=COMMON, need_cap=cased, allow=allow
        )
        end = span[1] if span is not None else m.end()
        out.append((start, max(end, m.end()), Entity.NAME, C, 2))


# --- places ---------------------------------------------------------------------------
CITY_CUE = re.compile(
    r"\b(?:(?:i|we|he|she|they|who)\s+(?:still\s+|now\s+)?lives?"
    r"(?:\s+(?:over|out|up|down|right))?\s+in|living\s+in|live\s+over\s+in|moved\s+to"
    r"|i'm\s+from|i\s+am\s+from|located\s+in|city\s+is|town\s+is|city\s+of|town\s+of|(?:i'm|i\s+am)\s+over\s+in"
    r"|reside\s+in|residing\s+in)\b",
    _I,
)
_STATE_WORDS = frozenset(
    [
        "alabama",
        "alaska",
        "arizona",
        "arkansas",
        "california",
        "colorado",
        "connecticut",
        "delaware",
        "florida",
        "georgia",
        "hawaii",
        "idaho",
        "illinois",
        "indiana",
        "iowa",
        "kansas",
        "kentucky",
        "louisiana",
        "maine",
        "maryland",
        "massachusetts",
        "michigan",
        "minnesota",
        "mississippi",
        "missouri",
        "montana",
        "nebraska",
        "nevada",
        "ohio",
        "oklahoma",
        "oregon",
        "pennsylvania",
        "tennessee",
        "texas",
        "utah",
        "vermont",
        "virginia",
        "washington",
        "wisconsin",
        "wyoming",
        "town",
        "city",
        "area",
        "state",
        "country",
        "us",
        "usa",
        "america",
        "county",
    ]
)


_TOWN_AFTER_STREET = re.compile(
    r"[ \t]*,?[ \t]*(?:(?:and[ \t]+)?(?:it's|its|it[ \t]+is|that's|thats|that[ \t]+is"
    r"|which[ \t]+is|which's)[ \t]+)?(?:(?:over|out|up|down|right|just|there)[ \t]+)?"
    r"(?:in|near|by)[ \t]+"
    r"(?:(?:the[ \t]+)?(?:town|city|village)[ \t]+of[ \t]+)?",
    _I,
)


_PLACE_PREPOSITIONS = frozenset(["near", "by", "off", "next", "across", "behind", "past"])


def find_places(seg: str, out: list[Cand], allow: frozenset[str]) -> None:
    """City/town after "I live in" etc. (geographic units smaller than a state are PHI), and
    the town said after a street address ("12 Elm Street in Brookline")."""
    cased = _CASED.search(seg) is not None
    streets = [c[1] for c in out if c[2] is Entity.ADDRESS and c[3] is Source.PATTERN]
    for end in streets:
        m = _TOWN_AFTER_STREET.match(seg, end)
        if m is None:
            continue
        span = _take_name(
            seg,
            m.end(),
            first_stop=COMMON | _STATE_WORDS,
            cont_stop=COMMON | _STATE_WORDS | _PLACE_PREPOSITIONS,
            need_cap=cased,
            allow=allow,
        )
        if span is not None:
            out.append((span[0], span[1], Entity.ADDRESS, C, 2))
    for cue in CITY_CUE.finditer(seg):
        span = _take_name(
            seg,
            cue.end(),
            first_stop=COMMON | _STATE_WORDS,
            cont_stop=COMMON | _STATE_WORDS,
            need_cap=cased,
            allow=allow,
        )
        if span is not None:
            out.append((span[0], span[1], Entity.ADDRESS, C, 2))
