"""The detection engine: segment, run detectors, resolve overlaps, redact.

Detection never crosses a *hard boundary* (newline, or ``.?!`` followed by
whitespace that does not end an abbreviation such as "Dr." or an initial), so
``redact(a + b) == redact(a) + redact(b)`` whenever ``a`` ends on a boundary.
That is what lets :class:`~phi.StreamRedactor` emit text early and still match
``redact(whole)`` exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from ._context import (
    find_bare_names,
    find_cased_names,
    find_cued_ids,
    find_names,
    find_places,
    find_runs,
    number_runs,
    propagate_names,
)
from ._known import matcher_for
from ._patterns import (
    Cand,
    find_addresses,
    find_ages,
    find_dates,
    find_spoken_emails,
    find_written,
)
from ._spoken import TEENS, TENS, UNITS
from ._types import Known, Redacted, Span
from ._unicode import Folder, fold_word
from ._words import TITLES

if TYPE_CHECKING:
    from ._stream import StreamRedactor

_BOUNDARY = re.compile(r"\n|[.?!\u2026]+(?=\s)")
_NUMBER_WORDS = frozenset(
    [*UNITS, *TEENS, *TENS, "hundred", "thousand", "double", "triple", "oh", "o"]
)
_ABBREV = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "mx",
        "st",
        "ave",
        "apt",
        "jr",
        "sr",
        "no",
        "vs",
        "etc",
        "blvd",
        "rd",
        "ln",
        "ct",
        "mt",
        "ft",
        "prof",
        "rev",
        "inc",
        "co",
        "corp",
        "ltd",
        "dept",
        "sgt",
        "capt",
        "gen",
        "col",
        "hon",
        "hwy",
        "pkwy",
        "ste",
        "bldg",
        "fl",
        "approx",
        "appt",
        "est",
        "ext",
        "tel",
        "fax",
    ]
)


def boundaries(text: str) -> list[int]:
    """End offsets of complete segments (each a hard boundary), in order.

    A boundary is decided by the segment's own characters plus ONE following
    whitespace character, which is what makes streaming exact.
    """
    cuts: list[int] = []
    for m in _BOUNDARY.finditer(text):
        if m.group(0) == "\n":
            cuts.append(m.end())
            continue
        mark = m.group(0)
        if "\u2026" in mark or (".." in mark and "?" not in mark and "!" not in mark):
            continue  # "eight four three... six four one": a pause, not the end of a sentence
        if mark[-1] == ".":
            i = m.start()
            j = i
            while j > 0 and text[j - 1].isalnum():
                j -= 1
            word = text[j:i].lower()
            if len(word) == 1 or word in _ABBREV:
                continue  # "Dr. Smith", "J. Smith", "P.O. Box", "a.m. "
            if word.isdecimal() or word in _NUMBER_WORDS:
                continue  # "eight four three. six four one.": digit groups said with pauses
        cuts.append(m.end())
    return cuts


def _segments(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    prev = 0
    for cut in boundaries(text):
        if cut > prev:
            out.append((prev, cut))
            prev = cut
    if prev < len(text):
        out.append((prev, len(text)))
    return out


def _merge(cands: list[Cand]) -> list[Span]:
    """Union overlapping candidates; the label comes from the best (rank, length) one."""
    if not cands:
        return []
    cands.sort(key=lambda c: (c[0], -c[1]))
    spans: list[Span] = []
    cur_s, cur_e, best = cands[0][0], cands[0][1], cands[0]
    for c in cands[1:]:
        if c[0] < cur_e:
            cur_e = max(cur_e, c[1])
            if (c[4], c[1] - c[0]) > (best[4], best[1] - best[0]):
                best = c
        else:
            spans.append(Span(cur_s, cur_e, best[2], best[3]))
            cur_s, cur_e, best = c[0], c[1], c
    spans.append(Span(cur_s, cur_e, best[2], best[3]))
    return spans


def _allow_tokens(allow: Iterable[str]) -> frozenset[str]:
    words: set[str] = set()
    for phrase in allow:
        for w in re.findall(r"[A-Za-z][A-Za-z'\-]*", fold_word(phrase)):
            lw = w.lower().replace("'", "")
            if lw not in TITLES:
                words.add(lw)
    return frozenset(words)


class Engine:
    """A configured detector.  Thread-safe and reusable; build once, call often.

    >>> eng = Engine(strict=True, allow=("Dr. Priya Patel",))
    >>> eng.redact("my name is maria lopez, I see Dr. Patel").text
    'my name is [NAME], I see Dr. Patel'

    ``strict`` (feature flag ``enhanced_phi_redaction``) also redacts ambiguous
    candidates: any run of 4+ digits, spelled letters without a cue, capitalised
    words after weaker person cues.  ``allow`` lists staff/provider names and
    other words that must never be redacted as NAME.
    """

    __slots__ = ("_allow", "_allow_words", "_folder", "_strict")

    def __init__(self, *, strict: bool = True, allow: Iterable[str] = ()) -> None:
        self._strict = bool(strict)
        self._allow = frozenset(allow)
        self._allow_words = _allow_tokens(self._allow)
        self._folder = Folder()

    @property
    def strict(self) -> bool:
        """Whether ambiguous candidates are redacted too."""
        return self._strict

    @property
    def allow(self) -> frozenset[str]:
        """Phrases never redacted as NAME."""
        return self._allow

    def __repr__(self) -> str:
        return f"Engine(strict={self._strict!r}, allow={sorted(self._allow)!r})"

    def detect(self, text: str, known: Known | None = None) -> list[Span]:
        """Sorted, non-overlapping PHI spans (offsets into ``text``)."""
        spans: list[Span] = []
        for start, end in _segments(text):
            # Detectors read the segment's ASCII shadow ("José" -> "Jose"), same offsets
            # unless the text had to be composed first (then ``back`` maps them).
            seg, back = self._folder.prepare(text[start:end])
            for s in self._detect_segment(seg, known):
                a, b = (back[s.start], back[s.end]) if back is not None else (s.start, s.end)
                spans.append(Span(a + start, b + start, s.entity, s.source) if start or back else s)
        return spans

    def redact(self, text: str, known: Known | None = None) -> Redacted:
        """Replace every span with ``[ENTITY]``; ``spans`` refer to the original text."""
        spans = self.detect(text, known)
        if not spans:
            return Redacted(text, ())
        parts: list[str] = []
        prev = 0
        for s in spans:
            parts.append(text[prev : s.start])
            parts.append(f"[{s.entity.value}]")
            prev = s.end
        parts.append(text[prev:])
        return Redacted("".join(parts), tuple(spans))

    def stream(self, known: Known | None = None) -> StreamRedactor:
        """A :class:`~phi.StreamRedactor` using this engine's settings."""
        from ._stream import StreamRedactor

        return StreamRedactor(known, strict=self._strict, allow=self._allow)

    def _detect_segment(self, seg: str, known: Known | None) -> list[Span]:
        if not seg.strip():
            return []
        cands: list[Cand] = []
        strict = self._strict
        find_written(seg, cands)
        find_spoken_emails(seg, cands)
        dates: list[Cand] = []
        find_dates(seg, dates)
        cands.extend(dates)
        find_ages(seg, cands)
        find_addresses(seg, cands)
        runs = number_runs(seg, [(d[0], d[1]) for d in dates])
        find_cued_ids(seg, runs, cands)
        find_runs(seg, runs, cands, strict)
        find_names(seg, cands, strict, self._allow_words)
        find_bare_names(seg, cands, self._allow_words, strict)
        if strict:
            find_cased_names(seg, cands, self._allow_words)
        propagate_names(seg, cands, self._allow_words)
        find_places(seg, cands, self._allow_words)
        if known is not None and not known.is_empty():
            matcher_for(known).find(seg, runs, dates, cands, self._allow_words)
        return _merge(cands)


@lru_cache(maxsize=64)
def engine_for(strict: bool, allow: frozenset[str]) -> Engine:
    """Cached engine per (strict, allow): what the module-level functions use."""
    return Engine(strict=strict, allow=allow)


def detect(
    text: str, known: Known | None = None, *, strict: bool = True, allow: Iterable[str] = ()
) -> list[Span]:
    """Find PHI in ``text``: sorted, non-overlapping :class:`Span` objects."""
    return engine_for(strict, frozenset(allow)).detect(text, known)


def redact(
    text: str, known: Known | None = None, *, strict: bool = True, allow: Iterable[str] = ()
) -> Redacted:
    """Replace PHI in ``text`` with ``[ENTITY]`` markers (see :class:`Redacted`)."""
    return engine_for(strict, frozenset(allow)).redact(text, known)
