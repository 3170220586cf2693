"""The features the intent model reads, shared by training and inference so they cannot drift.

A transcript is folded (accents stripped, lower case, apostrophes dropped, digits to ``0``),
weekday and month names become the placeholders ``weekday`` / ``month`` (the model should
learn "do you have anything <day>", not one day's name), spoken contractions, slang and
texting short forms are written out ("gonna" -> "going to", "dont" -> "do not", "appt" ->
"appointment") and hesitation fillers ("um", "uh") dropped, so one meaning has one spelling.
The result is cut into word uni- and bigrams, crude stems (``l:``: "cancelled", "cancelling"
-> ``l:cancel``), word pairs one word apart (``s:``: "cancel _
appointment" survives "cancel my appointment" and "cancel the appointment"), the words a
negation governs (``n:``: "not going to need" gives ``n:need``, the cue of a cancellation) and
character 3- to 5-grams inside word boundaries. Character grams carry the model over
speech-to-text misspellings ("a point meant", "reschedual") and word forms it has not seen;
word grams carry phrases ("cancellation policy", "not before").

    features("Can I move it to Tuesday?")  # {"w:can": 1, ..., "w:to weekday": 1, "c:<mov": 1, ...}
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable

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


# Spoken and texted short forms, written out (after ``fold``: apostrophes are already gone).
# Only unambiguous ones: "id" (I'd / ID card), "its", "well", "were" stay as they are.
_EXPANSIONS: dict[str, tuple[str, ...]] = {
    short: tuple(long.split())
    for short, long in {
        "gonna": "going to", "wanna": "want to", "gotta": "got to", "hafta": "have to",
        "gotto": "got to", "lemme": "let me", "gimme": "give me", "dunno": "do not know",
        "kinda": "kind of", "sorta": "sort of", "outta": "out of", "lotta": "lot of",
        "im": "i am", "ive": "i have", "youre": "you are", "youve": "you have",
        "youll": "you will", "theyre": "they are", "weve": "we have", "hes": "he is",
        "shes": "she is", "thats": "that is", "whats": "what is", "wheres": "where is",
        "whens": "when is", "hows": "how is", "whos": "who is", "theres": "there is",
        "dont": "do not", "doesnt": "does not", "didnt": "did not", "cant": "can not",
        "cannot": "can not", "wont": "will not", "shant": "shall not", "isnt": "is not",
        "arent": "are not", "wasnt": "was not", "werent": "were not", "havent": "have not",
        "hasnt": "has not", "hadnt": "had not", "couldnt": "could not", "wouldnt": "would not",
        "shouldnt": "should not", "aint": "is not", "mustnt": "must not", "neednt": "need not",
        "appt": "appointment", "appts": "appointments",
        "dr": "doctor", "doc": "doctor", "drs": "doctors", "pls": "please", "plz": "please",
        "thx": "thanks", "ty": "thank you", "u": "you", "ur": "your", "ya": "you",
        "tmrw": "tomorrow", "tmr": "tomorrow", "tomorow": "tomorrow", "cuz": "because",
        "cos": "because", "coz": "because", "bc": "because", "yeah": "yes", "yea": "yes",
        "yep": "yes", "yup": "yes", "nah": "no", "nope": "no",
        "ok": "okay", "k": "okay", "kk": "okay", "okey": "okay", "mom": "mother",
        "mum": "mother", "mama": "mother", "dad": "father", "papa": "father",
    }.items()
}  # fmt: skip
_FILLERS = frozenset(["um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "eh", "hmm", "mm"])
_NEGATORS = frozenset(["not", "no", "never", "nothing", "nobody"])
_NEGATION_SCOPE = 3  # words after a negator it governs ("not going to need")


def words(text: str) -> list[str]:
    """The folded words, short forms written out, fillers dropped, weekday and month names
    replaced by placeholders."""
    out: list[str] = []
    for word in fold(text).split():
        if word in _FILLERS:
            continue
        if word in _WEEKDAY_WORDS:
            out.append("weekday")
        elif word in _MONTH_WORDS:
            out.append("month")
        else:
            out.extend(_EXPANSIONS.get(word, (word,)))
    return out


_SUFFIXES = ("ing", "ed", "es", "s", "e")


def stem(word: str) -> str:
    """A crude stem that files word forms together ("cancelled", "cancelling", "cancels" ->
    "cancel"; "changed", "changing", "change" -> "chang"): learner English and speech-to-text
    get the ending wrong more often than the root."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeious":
        word = word[:-1]  # "stopp" -> "stop", "cancell" -> "cancel"
    return word


def words_v1(text: str) -> list[str]:
    """The original word view (``v1``): folded words, day and month placeholders, nothing
    rewritten. Kept for artefacts trained on it (the crisis reader)."""
    out = []
    for word in fold(text).split():
        if word in _WEEKDAY_WORDS:
            out.append("weekday")
        elif word in _MONTH_WORDS:
            out.append("month")
        else:
            out.append(word)
    return out


def features_v1(text: str) -> Counter[str]:
    """The original features (``v1``): word 1-2 grams and character 3-5 grams of ``words_v1``."""
    tokens = words_v1(text)
    counts: Counter[str] = Counter()
    for token in tokens:
        counts[f"w:{token}"] += 1
    for left, right in itertools.pairwise(["<s>", *tokens, "</s>"]):
        counts[f"w:{left} {right}"] += 1
    _char_grams(tokens, counts)
    return counts


def _char_grams(tokens: list[str], counts: Counter[str]) -> None:
    for token in tokens:
        marked = f"<{token}>"
        for size in (3, 4, 5):
            for start in range(max(1, len(marked) - size + 1)):
                gram = marked[start : start + size]
                if len(gram) == size:
                    counts[f"c:{gram}"] += 1


def features(text: str) -> Counter[str]:
    """Counts of the word 1-2 grams (``w:``), stems (``l:``), skip pairs (``s:``), negated
    words (``n:``) and character 3-5 grams (``c:``) of a transcript."""
    tokens = words(text)
    counts: Counter[str] = Counter()
    padded = ["<s>", *tokens, "</s>"]
    for token in tokens:
        counts[f"w:{token}"] += 1
    for left, right in itertools.pairwise(padded):
        counts[f"w:{left} {right}"] += 1
    for left, right in zip(tokens, tokens[2:], strict=False):
        counts[f"s:{left} _ {right}"] += 1
    for token in tokens:
        stemmed = stem(token)
        if stemmed != token:
            counts[f"l:{stemmed}"] += 1
    scope = 0
    for token in tokens:
        if token in _NEGATORS:
            scope = _NEGATION_SCOPE
        elif scope:
            counts[f"n:{token}"] += 1
            scope -= 1
    _char_grams(tokens, counts)
    return counts


# Feature sets by name: an artefact records the one it was trained on ("features"; v1 when
# absent), so a model and its reader cannot drift when the features change.
FEATURE_SET = "v2"
EXTRACTORS: dict[str, Callable[[str], Counter[str]]] = {"v1": features_v1, "v2": features}
WORD_VIEWS: dict[str, Callable[[str], list[str]]] = {"v1": words_v1, "v2": words}
