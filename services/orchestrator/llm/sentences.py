"""Streamed text cut into sentences, so the first one is spoken as soon as it is whole.

``Sentences.feed(delta)`` returns the sentences completed so far; ``close()`` the rest. A
sentence ends at ``.``, ``!`` or ``?`` followed by a space, except after the abbreviations a
clinic's assistant says ("Dr. Patel", "9 a.m."), where TTS would otherwise pause mid-phrase.
Written here rather than taken from a sentence-boundary library because those work on whole
texts; this one has to decide with only the beginning in hand.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "st", "a.m", "p.m", "am", "pm", "e.g", "i.e", "no", "vs", "jr", "sr"}
)
_END = re.compile(r"[.!?]+[\"')\]]*(?=\s)")


class Sentences:
    def __init__(self) -> None:
        self._text = ""

    def feed(self, delta: str) -> list[str]:
        self._text += delta
        done: list[str] = []
        start = 0
        for match in _END.finditer(self._text):
            before = self._text[start : match.start()].split()
            last = before[-1].casefold() if before else ""
            if match.group(0).startswith(".") and last.rstrip(".") in _ABBREVIATIONS:
                continue
            sentence = self._text[start : match.end()].strip()
            if sentence:
                done.append(sentence)
            start = match.end()
        self._text = self._text[start:]
        return done

    def close(self) -> str:
        rest, self._text = self._text.strip(), ""
        return rest
