"""The features the intent model reads, shared by training and inference so they cannot drift.

A transcript is folded (accents stripped, lower case, apostrophes dropped, digits to ``0``),
weekday and month names become the placeholders ``weekday`` / ``month`` (the model should
learn "do you have anything <day>", not one day's name), and the result is cut into word
uni- and bigrams plus character 3- to 5-grams inside word boundaries. Character grams carry the
model over speech-to-text misspellings ("a point meant", "reschedual") and word forms it has
not seen; word grams carry phrases ("cancellation policy", "not before").

    features("Can I move it to Tuesday?")  # {"w:can": 1, ..., "w:to weekday": 1, "c:<mov": 1, ...}
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter

_WEEKDAY_WORDS = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "mondays",
        "tuesdays",
        "wednesdays",
        "thursdays",
        "fridays",
        "saturdays",
        "sundays",
    ]
)
_MONTH_WORDS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents or apostrophes, punctuation as spaces, digits as ``0``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("\u2019", "").replace("'", "")
    return " ".join(_NON_WORD.sub(" ", re.sub(r"\d", "0", plain)).split())


def words(text: str) -> list[str]:
    """The folded words with weekday and month names replaced by placeholders."""
    out = []
    for word in fold(text).split():
        if word in _WEEKDAY_WORDS:
            out.append("weekday")
        elif word in _MONTH_WORDS:
            out.append("month")
        else:
            out.append(word)
    return out


def features(text: str) -> Counter[str]:
    """Counts of the word 1-2 grams (``w:``) and character 3-5 grams (``c:``) of a transcript."""
    tokens = words(text)
    counts: Counter[str] = Counter()
    padded = ["<s>", *tokens, "</s>"]
    for token in tokens:
        counts[f"w:{token}"] += 1
    for left, right in itertools.pairwise(padded):
        counts[f"w:{left} {right}"] += 1
    for token in tokens:
        marked = f"<{token}>"
        for size in (3, 4, 5):
            for start in range(max(1, len(marked) - size + 1)):
                gram = marked[start : start + size]
                if len(gram) == size:
                    counts[f"c:{gram}"] += 1
    return counts
