"""Caller text -> lemma tokens, as the red-flag rules read it.

Speech-to-text gives lower-case words with little or no punctuation, and callers say the same
thing in many word forms. ``tokens("She's BLEEDING, it won't stop")`` ->
``["shes", "bleed", ",", "it", "wont", "stop"]``: apostrophes are dropped and contractions
joined ("won't" -> "wont", "can not" -> "cant"), sentence punctuation becomes the clause mark
``|`` and commas ``,`` (a comma may fall inside a phrase: "pain, in my chest"), hesitation
sounds are dropped, and each word is mapped to its lemma when the lexicon knows it (a table
built from the concept words in ``_lexicon``, with their inflections), else kept as said.

Why not spaCy's lemmatiser: it needs a model, costs milliseconds per utterance, and only the
few hundred words the rules name need a lemma at all; a dictionary lookup per word does it in
microseconds (this runs on every caller turn).
"""

from __future__ import annotations

import re

CLAUSE = "|"
COMMA = ","

_APOSTROPHES = re.compile(r"[\u2019\u2018`']")
_NON_WORD = re.compile(r"[^a-z0-9.,;:!?|]+")
_PUNCT = re.compile(r"[.;:!?]+")
_COMMAS = re.compile(r",+")
# Hesitation sounds carry nothing and split phrases ("my throat is, um, closing").
_FILLERS = re.compile(r"\b(?:u+m+|u+h+|e+r+m+|h+m+|m+h*m+|a+h+)\b")
# Joined before splitting so every spelling of a negated auxiliary is one token.
_JOINS = (
    (re.compile(r"\bcan ?not\b"), "cant"),
    (re.compile(r"\b(could|would|should|do|does|did|is|are|was|were|has|have|had) not\b"), r"\1nt"),
    (re.compile(r"\bwill not\b"), "wont"),
    (re.compile(r"\bai?nt\b"), "aint"),
    (re.compile(r"\b(?:(?:am|is|are|was|were|be) )?not able to\b"), "unable to"),
    (
        re.compile(r"\b(?:havent|hasnt|hadnt|wasnt|werent|isnt|arent|aint) (?:been )?able to\b"),
        "unable to",
    ),
    # "can't seem to get my words out", "can't really breathe": the ability is what is denied.
    (re.compile(r"\b(cant|couldnt) (?:seem to|really|quite|even|hardly|properly)\b"), r"\1"),
)
# Numbers as digits so "2 month old" and "two month old" read alike.
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1, "couple": 2, "few": 3,
}  # fmt: skip


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, negated auxiliaries joined, punctuation spaced out."""
    lowered = _APOSTROPHES.sub("", text.lower()).replace("-", " ")
    lowered = _FILLERS.sub(" ", _NON_WORD.sub(" ", lowered))
    for pattern, joined in _JOINS:
        lowered = pattern.sub(joined, lowered)
    return _COMMAS.sub(f" {COMMA} ", _PUNCT.sub(f" {CLAUSE} ", lowered))


def split(text: str) -> list[str]:
    """The words of ``text`` (see ``normalise``), punctuation as ``|``."""
    return normalise(text).split()


def lemmatise(words: list[str], lemmas: dict[str, str]) -> list[str]:
    return [lemmas.get(word, word) for word in words]


def inflections(lemma: str, kind: str) -> set[str]:
    """Regular forms of an English verb ("v") or noun ("n"): enough for a lookup table.

    ``inflections("bleed", "v")`` -> {"bleed", "bleeds", "bleeded", "bleeding"}; irregular forms
    ("bled") come from ``_lexicon.IRREGULAR``. Over-generation is harmless: a non-word never
    occurs in what a caller says.
    """
    forms = {lemma}
    if kind == "n":
        forms.add(lemma + ("es" if lemma.endswith(("s", "sh", "ch", "x", "z")) else "s"))
        if lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
            forms.add(lemma[:-1] + "ies")
        return forms
    if lemma.endswith("e") and not lemma.endswith("ee"):
        stem = lemma[:-1]
        forms |= {lemma + "s", stem + "ed", stem + "ing", lemma + "d"}
    elif lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    else:
        suffix_s = "es" if lemma.endswith(("s", "sh", "ch", "x", "z", "o")) else "s"
        forms |= {lemma + suffix_s, lemma + "ed", lemma + "ing"}
        # stop -> stopped, slur -> slurred: a short final consonant after one vowel doubles.
        if (
            len(lemma) >= 3
            and lemma[-1] not in "aeiouwxy"
            and lemma[-2] in "aeiou"
            and lemma[-3] not in "aeiou"
        ):
            forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    # Spoken "-in" for "-ing" ("bleedin", "breathin"), as speech-to-text often writes it.
    forms |= {form[:-1] for form in list(forms) if form.endswith("ing")}
    return forms
