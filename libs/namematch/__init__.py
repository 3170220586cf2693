"""Whether a name as a caller said it (through speech-to-text) is a record's name.

    names_match("jane doe", "Jane", "Doe")                       # True
    names_match("Doe, Jane", "Jane", "Doe")                      # order: "last, first"
    names_match("jane doe d o e", "Jane", "Doe")                 # spelled letters
    names_match("Aisha Khan, that's A-I-S-H-A", "Aisha", "Khan")
    names_match("Zoe Mueller", "Zoë", "Müller")                  # accents, German ue/oe/ae/ss
    names_match("jose garcia", "José", "García")
    names_match("jane dough", "Jane", "Doe")                     # sounds alike (one side exact)
    names_match("bill smith", "William", "Smith", nicknames=("Bill",))
    names_match("john doe", "Jane", "Doe")                       # False

Names are folded first (NFKD, case folded, accents and punctuation dropped; "ß" is "ss", "ue"
may stand for "ü"). A name word matches when the folded words are equal, when the caller spelled
it out letter by letter, or, for words of three letters or more, when they sound alike (same
Metaphone key and close spelling, ``jellyfish``) or are spelled nearly alike (Jaro-Winkler >=
0.92, ``rapidfuzz``). To keep a verification strict, at most one of first and last name may match
only by sound or spelling: the other must match exactly, be spelled out, or be one of the
record's own nicknames. Middle names the caller adds are ignored. The date of birth is not
this module's business: callers must check it exactly, separately.

Pure functions, no I/O: the scheduler (verification) and the orchestrator (understanding) both
import it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jellyfish
from rapidfuzz.distance import JaroWinkler, Levenshtein

__all__ = ["fold", "name_tokens", "names_match", "spelled_words", "without_spelling"]

_SPELLING_LEADS = re.compile(
    r"\b(?:that'?s|thats|that is|spelled|spelt|spelling|it'?s|its|as in|with an?|"
    r"capital)\b",
    re.IGNORECASE,
)
_NATO = {
    "alpha": "a", "bravo": "b", "charlie": "c", "delta": "d", "echo": "e", "foxtrot": "f",
    "golf": "g", "hotel": "h", "india": "i", "juliet": "j", "kilo": "k", "lima": "l",
    "mike": "m", "november": "n", "oscar": "o", "papa": "p", "quebec": "q", "romeo": "r",
    "sierra": "s", "tango": "t", "uniform": "u", "victor": "v", "whiskey": "w", "xray": "x",
    "yankee": "y", "zulu": "z",
}  # fmt: skip
_LETTER_NAMES = {
    "ay": "a", "bee": "b", "cee": "c", "see": "c", "dee": "d", "ee": "e", "eff": "f",
    "gee": "g", "aitch": "h", "jay": "j", "kay": "k", "el": "l", "em": "m", "en": "n",
    "oh": "o", "pee": "p", "cue": "q", "queue": "q", "ar": "r", "ess": "s", "tee": "t",
    "you": "u", "vee": "v", "ex": "x", "why": "y", "zee": "z", "zed": "z",
}  # fmt: skip


def fold(text: str) -> str:
    """Lower case, accents and punctuation dropped, "ß" as "ss", hyphens as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("\u2019", "").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def name_tokens(name: str) -> list[str]:
    """The folded words of a name."""
    return fold(name).split()


def _german_variants(word: str) -> set[str]:
    """ "mueller" -> {"mueller", "muller"}: "ue", "oe", "ae" may be how "ü", "ö", "ä" were
    typed or transcribed, and folding "ü" gives "u"."""
    variants = {word}
    for pair, single in (("ue", "u"), ("oe", "o"), ("ae", "a")):
        variants |= {v.replace(pair, single) for v in variants}
    return variants


@dataclass(frozen=True)
class _Said:
    words: tuple[str, ...]  # folded name words, spelled letters removed
    spelled: frozenset[str]  # words the caller spelled out letter by letter


def _letter(token: str) -> str | None:
    if len(token) == 1 and token.isalpha():
        return token
    return _NATO.get(token) or _LETTER_NAMES.get(token)


def spelled_words(text: str) -> list[str]:
    """Words spelled letter by letter in ``text``: "D O E", "A-I-S-H-A", "k a h n" -> ["doe",
    "aisha", "kahn"]. A run of at least two single letters is one word."""
    raw = re.sub(r"[.\-,]", " ", text.casefold())
    found: list[str] = []
    run: list[str] = []
    for token in fold(raw).split():
        letter = _letter(token) if len(token) == 1 or run else None
        if letter is not None:
            run.append(letter)
            continue
        if len(run) >= 2:
            found.append("".join(run))
        run = []
    if len(run) >= 2:
        found.append("".join(run))
    return found


def without_spelling(text: str) -> str:
    """``text`` without the letter-by-letter spelling and the words leading into it:
    "Aisha Khan, that's A-I-S-H-A" -> "Aisha Khan"."""
    cut = re.split(
        r"(?:,|\s)\s*(?:" + _SPELLING_LEADS.pattern + r")?\s*(?:[a-z][\s.\-,]+){1,}[a-z]\b",
        text,
        maxsplit=1,
        flags=re.IGNORECASE,
    )
    kept = cut[0] if cut else text
    return kept.strip(" ,.-")


def _parse(said: str) -> _Said:
    spelled = frozenset(spelled_words(said))
    text = said
    if text.count(",") == 1:
        left, right = text.split(",")
        # "Doe, Jane" (last, first) unless the part after the comma is the spelling
        if not spelled_words(right) and not _SPELLING_LEADS.search(right):
            text = f"{right} {left}"
    text = _SPELLING_LEADS.sub(" ", text)
    words = [w for w in fold(text).split() if len(w) > 1 or not w.isalpha()]
    return _Said(tuple(words), spelled)


def _sounds_alike(a: str, b: str) -> bool:
    """Nearly the same spelling (Jaro-Winkler >= 0.92: "garsia"/"garcia", "kahn"/"khan"), or
    the same Metaphone key with the same first two letters and at most three edits ("dough"/"doe",
    "steven"/"stephen"; not "jon"/"jane")."""
    if min(len(a), len(b)) < 3:
        return False
    if JaroWinkler.similarity(a, b) >= 0.92:
        return True
    return (
        a[:2] == b[:2]
        and jellyfish.metaphone(a) == jellyfish.metaphone(b)
        and Levenshtein.distance(a, b) <= 3
    )


def _word_match(said: str, record: str, spelled: frozenset[str]) -> str | None:
    """ "exact", "fuzzy" or None."""
    if _german_variants(said) & _german_variants(record) or record in spelled:
        return "exact"
    if _sounds_alike(said, record):
        return "fuzzy"
    return None


def _part_match(said: Sequence[str], record: Sequence[str], spelled: frozenset[str]) -> str | None:
    """How the said words match the record's name words (all of them, in order)."""
    if len(said) != len(record):
        joined_said, joined_record = "".join(said), "".join(record)  # "mary ann" / "maryann"
        if said and record and joined_said == joined_record:
            return "exact"
        return None
    kinds = [_word_match(s, r, spelled) for s, r in zip(said, record, strict=True)]
    if None in kinds:
        return None
    return "fuzzy" if "fuzzy" in kinds else "exact"


def names_match(
    said: str,
    first_name: str,
    last_name: str,
    *,
    nicknames: Iterable[str] = (),
    sound_alike: bool = True,
) -> bool:
    """Whether ``said`` names the record (see the module docstring). ``sound_alike=False``
    accepts only exact words after folding, spelled letters and nicknames (identity checks:
    "Mario" is not "Maria", whatever the date of birth)."""
    parsed = _parse(said)
    first, last = name_tokens(first_name), name_tokens(last_name)
    if not first or not last:
        return False
    words = list(parsed.words)
    if len(words) == 1 and parsed.spelled:
        words += sorted(parsed.spelled)  # "jane, d o e": the surname given only as letters
    if len(words) < 2:
        return False
    given_names = [(first, False)] + [(name_tokens(n), True) for n in nicknames if fold(n)]
    # "doe jane" (surname first, no comma) is tried as a rotation of the words
    orders = [words[k:] + words[:k] for k in range(len(words))]
    for order in orders:
        for split in range(1, min(len(order), 4)):
            for start in range(split, len(order)):  # words between are middle names
                last_kind = _part_match(order[start:], last, parsed.spelled)
                if last_kind is None:
                    continue
                for given, is_nickname in given_names:
                    first_kind = _part_match(order[:split], given, parsed.spelled)
                    if first_kind is None or (is_nickname and first_kind == "fuzzy"):
                        continue
                    if first_kind == "fuzzy" and last_kind == "fuzzy":
                        continue  # at most one part may match by sound alone
                    if not sound_alike and "fuzzy" in (first_kind, last_kind):
                        continue
                    return True
    return False
