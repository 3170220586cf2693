"""Unicode folding: every detector works on an ASCII shadow of the text, offset for offset.

Names arrive as "José García", "Zoë Müller", "Siobhán O'Connor" or "Łukasz Wójcik", and
speech-to-text may emit "’" for "'" or "…" for "...". Rather than teach every regex about
Unicode, the engine folds each character to one ASCII character (``é``→``e``, ``Ł``→``L``,
``ß``→``s``, ``’``→``'``), keeping case, so offsets into the shadow are offsets into the text
and a span found there redacts the original characters. Letters of other scripts fold to
``x``/``X`` so they keep the shape of a (capitalised) word. Text that is not in composed form
(NFC: "e" followed by a combining accent) is composed first, with a map back to the original.
"""

from __future__ import annotations

import unicodedata

# Letters whose decomposition does not start with an ASCII letter.
_SPECIAL = {
    "ß": "s",
    "ẞ": "S",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "t",
    "Þ": "T",
    "æ": "a",
    "Æ": "A",
    "œ": "o",
    "Œ": "O",
    "ı": "i",
    "ħ": "h",
    "Ħ": "H",
    "ŋ": "n",
    "Ŋ": "N",
    "ſ": "s",
    "\u2018": "'",
    "\u2019": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": ".",
}


def _fold_char(ch: str) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    base = unicodedata.normalize("NFD", ch)[0]
    if base.isascii():
        return base
    category = unicodedata.category(ch)
    if category.startswith("L"):
        return "X" if ch.isupper() or category == "Lt" else "x"
    if category == "Mn":
        return "'"  # a stray combining mark stays inside its word
    if category.startswith("N"):
        return "0" if ch.isdecimal() else " "
    if category.startswith("Z") or ch.isspace():
        return "\n" if ch in "\u2028\u2029\x85" else " "
    return " "


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first use of each code point."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


class Folder:
    """Folds text to its ASCII shadow; one per engine (the table only grows, bounded by the
    number of distinct code points seen)."""

    __slots__ = ("_table",)

    def __init__(self) -> None:
        self._table = _FoldTable()

    def fold(self, text: str) -> str:
        """The ASCII shadow of composed ``text``: same length, same offsets."""
        if text.isascii():
            return text
        return text.translate(self._table)

    def prepare(self, text: str) -> tuple[str, list[int] | None]:
        """``(shadow, back)``: ``back[i]`` is where shadow character ``i`` starts in ``text``
        (``back[len(shadow)] == len(text)``), or None when offsets are the same."""
        if text.isascii() or unicodedata.is_normalized("NFC", text):
            return self.fold(text), None
        composed: list[str] = []
        back: list[int] = []
        start = 0
        for i in range(1, len(text) + 1):
            if i < len(text) and unicodedata.combining(text[i]):
                continue
            piece = unicodedata.normalize("NFC", text[start:i])
            composed.append(piece)
            back.extend([start] * len(piece))
            start = i
        back.append(len(text))
        return self.fold("".join(composed)), back


def fold_word(word: str) -> str:
    """One word folded (for building matchers from configuration or known values)."""
    composed = unicodedata.normalize("NFC", word)
    return "".join(_fold_char(c) if not c.isascii() else c for c in composed)
