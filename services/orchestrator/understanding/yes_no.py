"""Yes or no in a caller's answer, tolerant of lower-case ASR text without punctuation.

``classify("yeah that works")`` -> "yes"; ``classify("no not that one")`` -> "no";
``classify("yes no")`` -> None (contradictory: ask again); keypad 1 / 2 via ``classify_digits``.
"""

from __future__ import annotations

import re
from typing import Literal

Answer = Literal["yes", "no"]

_NO = re.compile(
    r"\b(?:no|nope|nah|not really|not right|thats not|that is not|dont|do not|wrong|incorrect|"
    r"negative|not yet|wait|hold on|not quite|never mind|nevermind|not that)\b"
)
_YES = re.compile(
    r"\b(?:yes|yeah|yea|yep|yup|sure|correct|right|thats right|ok|okay|please do|go ahead|"
    r"sounds good|sounds great|absolutely|perfect|that works|works for me|do it|book it|"
    r"confirm|confirmed|affirmative|of course|definitely|alright|all right|uh huh|mhm|"
    r"please|great|fine|lets do it|i do)\b"
)
# "no problem", "no worries" are agreement, not refusal.
_AGREEABLE_NO = re.compile(r"\bno (?:problem|worries)\b")


def _clean(text: str) -> str:
    lowered = text.lower().replace("\u2019", "'").replace("'", "")
    return re.sub(r"[^a-z0-9 ]", " ", lowered)


def classify(text: str) -> Answer | None:
    """ "yes", "no", or None when the text says neither (or both)."""
    cleaned = _AGREEABLE_NO.sub("okay", _clean(text))
    said_no = _NO.search(cleaned) is not None
    said_yes = _YES.search(cleaned) is not None
    if said_no and said_yes:
        # "no that's right" is still a no; "yes no" or "yes wait" is unclear: ask again.
        words = cleaned.split()
        return "no" if words and words[0] in ("no", "nope", "nah") else None
    if said_no:
        return "no"
    if said_yes:
        return "yes"
    return None


def classify_digits(digits: str) -> Answer | None:
    """Keypad: 1 is yes, 2 is no."""
    return _DIGIT_ANSWERS.get(digits.strip("#*"))


_DIGIT_ANSWERS: dict[str, Answer] = {"1": "yes", "2": "no"}
