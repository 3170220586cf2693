"""Patient names in what callers say, beyond the explicit answer to "what is your name?".

``name_in("hi this is James Smith I have an appointment", clinic)`` -> "James Smith";
``name_in("I'd like to see Dr. Priya Patel", clinic)`` -> None (a provider, not the caller).

The PHI engine (``phi.detect``) already finds names in running speech, with or without a cue,
for redaction; reading the same spans here means the dialogue keeps a name the caller
volunteered ("Hannah Muller here, I need...", "it's for my dad, James Smith") instead of asking
for it again. A span becomes a name only if ``understanding.identity.parse_name`` accepts it,
and never when it names one of the clinic's providers.
"""

from __future__ import annotations

import re

import phi
from clinic import Clinic
from orchestrator.understanding import catalog
from orchestrator.understanding.identity import parse_name

_TITLES = frozenset({"dr", "doctor", "nurse", "np", "practitioner", "provider"})
_LEAD_INS = re.compile(
    r"^(?:\W*(?:um+|uh+|er+|erm|hmm+|ah+|oh+|so|well|okay|ok|alright|sorry|certainly|sure|of "
    r"course|yes|yeah|yep|right|hi|hello|hey|good (?:morning|afternoon|evening)|"
    r"(?:my |the )?name(?:\s+is|'?s)?)\b)+"
    r"[\s,.!]*",
    re.IGNORECASE,
)
# Where a caller corrects what they just said: the answer is what follows.
_REPAIR = re.compile(
    r"\b(?:sorry|i mean|i meant|no wait|wait|actually|rather|correction|let me correct that|"
    r"i said the wrong \w+)\b[\s,.!]*",
    re.IGNORECASE,
)


def after_repair(text: str) -> str:
    """The part of an answer after its last self-correction ("december fifth, sorry, december
    fifth 1983" -> "december fifth 1983"); the whole answer when there is none, or when
    nothing follows the correction ("April 11th 1971, I said the wrong year")."""
    pieces = [p for p in _REPAIR.split(text) if re.search(r"\w", p)]
    return pieces[-1] if len(pieces) > 1 else text


def strip_lead_ins(text: str) -> str:
    """The answer without the interjections people start with ("oh sorry, um, Jose Garcia")."""
    return _LEAD_INS.sub("", text).strip()


# What marks a span as the caller's (or patient's) name rather than words the PHI engine
# redacts to be safe: a cue before it, a cue after it, or the capitals a transcript gives names.
_CUE_BEFORE = re.compile(
    r"(?:this is|it is|its|i am|im|name is|names|name|patient is|for my \w+|my \w+ is|"
    r"calling for|on behalf of|behalf of my \w+|for|about)\s*$"
)
_CUE_AFTER = re.compile(r"^\s*(?:here|calling|speaking)\b")


def _cued(text: str, start: int, end: int) -> bool:
    before = " ".join(re.findall(r"[a-z]+", text[:start].lower().replace("'", "")))
    if _CUE_BEFORE.search(before):
        return True
    if _CUE_AFTER.match(text[end:].lower()):
        return True
    words = text[start:end].split()
    return len(words) >= 2 and all(w[:1].isupper() for w in words)


def name_in(text: str, clinic: Clinic) -> str | None:
    """The first person's full name in ``text`` that is not a provider's, said with a cue
    ("this is", "my father,", "... here") or written with capitals; None if none."""
    for span in phi.detect(text):
        if span.entity is not phi.Entity.NAME or not _cued(text, span.start, span.end):
            continue
        said = text[span.start : span.end]
        before = re.findall(r"[a-z]+", text[: span.start].lower())
        if (before and before[-1] in _TITLES) or catalog.match_provider(said, clinic):
            continue
        name = parse_name(said)
        if name:
            return name
    return None
