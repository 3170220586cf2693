"""Matchers for values the call already knows (caller's name, DOB, phone, ...).

Compiled once per :class:`~phi.Known` (it is hashable) and cached, so every
later mention is caught however it is written or spoken: "Maria", "M-A-R-I-A",
"oh three oh three eighty", "double five five ...", "john dot smith at gmail dot com".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ._patterns import Cand, month_day_of
from ._spoken import NUM_WORD, UNIT_WORDS
from ._types import Entity, Known, Source
from ._unicode import fold_word

_I = re.IGNORECASE
K = Source.KNOWN
_SEP = r"[ \t]*[\-.,]?[ \t]*"
_SUFFIXES: dict[str, str] = {
    "street": "street|st",
    "st": "street|st",
    "avenue": "avenue|ave",
    "ave": "avenue|ave",
    "road": "road|rd",
    "rd": "road|rd",
    "boulevard": "boulevard|blvd",
    "blvd": "boulevard|blvd",
    "lane": "lane|ln",
    "ln": "lane|ln",
    "drive": "drive|dr",
    "dr": "drive|dr",
    "court": "court|ct",
    "ct": "court|ct",
    "place": "place|pl",
    "pl": "place|pl",
    "parkway": "parkway|pkwy",
    "pkwy": "parkway|pkwy",
    "highway": "highway|hwy",
    "hwy": "highway|hwy",
    "circle": "circle|cir",
    "cir": "circle|cir",
    "terrace": "terrace|ter",
    "ter": "terrace|ter",
    "trail": "trail|trl",
    "trl": "trail|trl",
    "suite": "suite|ste",
    "ste": "suite|ste",
    "apartment": "apartment|apt",
    "apt": "apartment|apt",
}
_DIGIT_ALT: tuple[str, ...] = tuple(
    f"(?:{d}|{w}{'|oh|o' if d == '0' else ''})"
    for d, w in zip("0123456789", UNIT_WORDS, strict=True)
)


def _letters(word: str) -> str:
    """A word written whole or spelled letter by letter ("maria" / "m-a-r-i-a")."""
    whole = re.escape(word)
    if len(word) < 2:
        return whole
    spelled = _SEP.join(re.escape(c) for c in word)
    return f"(?:{whole}|{spelled})"


def _chars(text: str) -> str:
    """An identifier whose letters and digits may be written or spoken, with any separators."""
    parts: list[str] = []
    for c in text:
        if c.isdecimal():
            parts.append(_DIGIT_ALT[int(c)])
        elif c.isalpha():
            parts.append(re.escape(c))
    return _SEP.join(parts)


def _email(addr: str) -> str:
    out: list[str] = []
    for tok in re.findall(r"[A-Za-z]+|\d+|[@._\-+]", addr):
        if tok == "@":
            out.append(r"[ \t]*(?:@|at)[ \t]*")
        elif tok == ".":
            out.append(r"[ \t]*(?:\.|dot|period|point)[ \t]*")
        elif tok == "_":
            out.append(r"[ \t]*(?:_|underscore|under[ \t]score)[ \t]*")
        elif tok == "-":
            out.append(r"[ \t]*(?:-|dash|hyphen)[ \t]*")
        elif tok == "+":
            out.append(r"[ \t]*(?:\+|plus)[ \t]*")
        elif tok.isdecimal():
            out.append(rf"[ \t]*(?:{tok}|{_chars(tok)})[ \t]*")
        else:
            out.append(rf"[ \t]*{_letters(tok.lower())}[ \t]*")
    return "".join(out).strip()


def _alternation(parts: list[str]) -> re.Pattern[str] | None:
    if not parts:
        return None
    uniq = sorted(set(parts), key=len, reverse=True)
    return re.compile(r"(?<![\w@])(?:" + "|".join(uniq) + r")(?![\w@])", _I)


def _dob_digits(known: Known) -> frozenset[str]:
    d = known.date_of_birth
    if d is None:
        return frozenset()
    m, dd, y, yy = d.month, d.day, str(d.year), f"{d.year % 100:02d}"
    forms = set()
    for mo in {f"{m:02d}", str(m)}:
        for da in {f"{dd:02d}", str(dd)}:
            forms.update({mo + da + yy, mo + da + y, da + mo + yy, da + mo + y})
    forms.add(f"{y}{m:02d}{dd:02d}")
    return frozenset(forms)


def _street(chunk: str) -> str | None:
    words = re.findall(r"[A-Za-z0-9']+", chunk)
    if words and words[0][0].isdecimal():
        words = words[1:]
    if not words:
        return None
    parts = [
        f"(?:{_SUFFIXES[w.lower()]})\\.?" if w.lower() in _SUFFIXES else re.escape(w) for w in words
    ]
    house = rf"(?:(?:\d+[a-z]?|{NUM_WORD}(?:[ -]{NUM_WORD}){{0,4}})[ \t]+)?"
    return house + r"[ \t]+".join(parts)


@dataclass(frozen=True)
class KnownMatcher:
    """Compiled matchers for one :class:`Known`; build with :func:`matcher_for`."""

    full_names: re.Pattern[str] | None
    name_parts: re.Pattern[str] | None
    emails: re.Pattern[str] | None
    mrns: re.Pattern[str] | None
    other_ids: re.Pattern[str] | None
    addresses: re.Pattern[str] | None
    phone_digits: frozenset[str]
    phone_last4: frozenset[str]
    dob_digits: frozenset[str]
    dob_month_day: tuple[int, int] | None
    mrn_digits: frozenset[str]
    id_digits: frozenset[str]
    zip_digits: frozenset[str]

    def find(
        self,
        seg: str,
        runs: list[tuple[int, int, str]],
        dates: list[Cand],
        out: list[Cand],
        allow: frozenset[str],
    ) -> None:
        """Append a KNOWN candidate for every mention of a known value in ``seg``."""
        if self.full_names is not None:
            for m in self.full_names.finditer(seg):
                out.append((m.start(), m.end(), Entity.NAME, K, 3))
        if self.name_parts is not None:
            for m in self.name_parts.finditer(seg):
                if m.group(0).lower() not in allow:
                    out.append((m.start(), m.end(), Entity.NAME, K, 3))
        for rx, entity in (
            (self.emails, Entity.EMAIL),
            (self.mrns, Entity.MRN),
            (self.other_ids, Entity.ID),
            (self.addresses, Entity.ADDRESS),
        ):
            if rx is not None:
                for m in rx.finditer(seg):
                    out.append((m.start(), m.end(), entity, K, 3))
        for start, end, digits in runs:
            kind = self._classify(digits)
            if kind is not None:
                out.append((start, end, kind, K, 3))
        if self.dob_month_day is not None:
            for start, end, entity, _, _ in dates:
                if entity is Entity.DATE and month_day_of(seg[start:end]) == self.dob_month_day:
                    out.append((start, end, Entity.DATE, K, 3))

    def _classify(self, digits: str) -> Entity | None:
        if len(digits) >= 7 and any(p in digits for p in self.phone_digits):
            return Entity.PHONE
        if digits in self.phone_last4:
            return Entity.PHONE
        if digits in self.dob_digits:
            return Entity.DATE
        if digits in self.mrn_digits:
            return Entity.MRN
        if digits in self.id_digits:
            return Entity.ID
        if digits in self.zip_digits:
            return Entity.ZIP
        return None


@lru_cache(maxsize=512)
def matcher_for(known: Known) -> KnownMatcher:
    """Compile (once per distinct ``known``) the matchers for its values."""
    full: list[str] = []
    parts: list[str] = []
    # Known values are folded like the text they are matched against: "José García" matches
    # "José", "JOSE" and "Jose Garcia" alike.
    for name in known.names:
        words = re.findall(r"[A-Za-z][A-Za-z'\-]*", fold_word(name))
        words = [w for w in words if w.lower().rstrip(".") not in ("mr", "mrs", "ms", "dr", "miss")]
        if len(words) > 1:
            full.append(r"[ \t]+".join(_letters(w.lower()) for w in words))
        parts.extend(_letters(w.lower()) for w in words if len(w) >= 2)
    phones = {re.sub(r"\D", "", p) for p in known.phones}
    phone_digits: set[str] = set()
    last4: set[str] = set()
    for p in phones:
        if len(p) == 11 and p.startswith("1"):
            p = p[1:]
        if len(p) >= 7:
            phone_digits.add(p)
            phone_digits.add(p[-7:])
            last4.add(p[-4:])
    addr_parts: list[str] = []
    zips: set[str] = set()
    for addr in known.addresses:
        for i, chunk in enumerate(c.strip() for c in fold_word(addr).split(",")):
            digits = re.sub(r"\D", "", chunk)
            if i == 0:
                street = _street(chunk)
                if street:
                    addr_parts.append(street)
            elif re.fullmatch(r"[A-Za-z .'\-]+", chunk) and len(chunk) > 2:
                addr_parts.append(re.escape(chunk).replace(r"\ ", r"[ \t]+"))
            zm = re.search(r"\b(\d{5})(?:-?(\d{4}))?\b", chunk)
            if zm and (i > 0 or len(digits) == 5):
                zips.add(zm.group(1))
                if zm.group(2):
                    zips.add(zm.group(1) + zm.group(2))
    dob = known.date_of_birth
    return KnownMatcher(
        full_names=_alternation(full),
        name_parts=_alternation(parts),
        emails=_alternation([_email(fold_word(e)) for e in known.emails]),
        mrns=_alternation([_chars(v) for v in known.mrns if _chars(v)]),
        other_ids=_alternation([_chars(v) for v in known.other_ids if _chars(v)]),
        addresses=_alternation(addr_parts),
        phone_digits=frozenset(phone_digits),
        phone_last4=frozenset(last4),
        dob_digits=_dob_digits(known),
        dob_month_day=(dob.month, dob.day) if dob else None,
        mrn_digits=frozenset(d for d in (re.sub(r"\D", "", v) for v in known.mrns) if len(d) >= 3),
        id_digits=frozenset(
            d for d in (re.sub(r"\D", "", v) for v in known.other_ids) if len(d) >= 3
        ),
        zip_digits=frozenset(zips),
    )
