"""The per-call placeholder vault: the model sees ``[NAME_1]``, never "Maria Lopez".

Pure and immutable. Identifiers found in the caller's words (``phi`` detection, with what the
call already knows) are replaced by stable per-call placeholders before any prompt is built;
the same value always gets the same placeholder within a call ("Maria Lopez" and "maria lopez"
are both ``[NAME_1]``; "March 3rd 1980" and "03/03/1980" are both ``[DOB_1]``). The vault is
part of the call's dialogue state, so another call's placeholders can never resolve here.

::

    vault, text = Vault().conceal("I'm Maria Lopez", engine.detect("I'm Maria Lopez"), read_date)
    # text == "I'm [NAME_1]"
    vault.resolve("[NAME_1]")            # "Maria Lopez" (tool arguments; unknown raises)
    vault.reveal("Thanks, [NAME_1].")    # "Thanks, Maria Lopez." (for the caller only)
    reveal = vault.revealer()            # streaming: a placeholder split across chunks
    reveal.feed("Thanks, [NA") + reveal.feed("ME_1].") + reveal.close()

Labels: ``NAME``, ``DOB`` (a date the ``DateReader`` reads as a birth date), ``DATE`` (any other
date), ``PHONE``, ``EMAIL``, ``ADDRESS``, ``ZIP``, ``SSN``, ``MRN``, ``ACCOUNT``, ``ID``, ``URL``,
``IP``, ``AGE``.

Exceptions::

    UnknownPlaceholder   a placeholder this call's vault does not hold (``resolve``)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

import phi

# A placeholder the vault writes: "[NAME_1]".
PLACEHOLDER = re.compile(r"\[([A-Z]{2,8})_(\d{1,4})\]")
# The longest a placeholder can be; a stream holds back at most this much.
_LONGEST = len("[ACCOUNT_9999]")
_PARTIAL = re.compile(r"\[[A-Z_0-9]*$")

LABELS: Mapping[phi.Entity, str] = {
    phi.Entity.NAME: "NAME",
    phi.Entity.DATE: "DATE",
    phi.Entity.AGE: "AGE",
    phi.Entity.PHONE: "PHONE",
    phi.Entity.EMAIL: "EMAIL",
    phi.Entity.SSN: "SSN",
    phi.Entity.MRN: "MRN",
    phi.Entity.ACCOUNT: "ACCOUNT",
    phi.Entity.ADDRESS: "ADDRESS",
    phi.Entity.ZIP: "ZIP",
    phi.Entity.URL: "URL",
    phi.Entity.IP: "IP",
    phi.Entity.ID: "ID",
}

# Reads a date of birth said in words or digits ("march third 1980"); None when the text is
# not one (no year, in the future). A date it reads is labelled DOB, any other DATE.
DateReader = Callable[[str], date | None]


class UnknownPlaceholder(ValueError):
    """A placeholder that this call's vault does not hold (invented, or another call's)."""

    def __init__(self, placeholder: str) -> None:
        super().__init__(f"{placeholder} is not a value this caller gave")
        self.placeholder = placeholder


def _no_dates(text: str) -> date | None:
    return None


def _key(label: str, value: str, read_date: DateReader) -> str:
    """What makes two mentions the same value: letters for names, digits for numbers, the
    date itself for dates."""
    if label in ("DOB", "DATE"):
        read = read_date(value)
        if read is not None:
            return f"{label}:{read.isoformat()}"
    if label in ("PHONE", "SSN", "MRN", "ACCOUNT", "ZIP", "ID"):
        digits = re.sub(r"\D", "", value)
        if label == "PHONE" and len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if digits:
            return f"{label}:{digits}"
    folded = " ".join(re.sub(r"[^\w@.]+", " ", value.casefold()).split())
    return f"{label}:{folded}"


@dataclass(frozen=True)
class Vault:
    """One call's placeholders. ``values``: placeholder -> the value as first said (PHI)."""

    values: Mapping[str, str] = field(default_factory=dict)
    # placeholder -> its key (see ``_key``); rebuilt from ``values`` when loaded.
    keys: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, values: Mapping[str, str], read_date: DateReader = _no_dates) -> Vault:
        """A vault as stored in the dialogue state (placeholder -> value)."""
        keys = {}
        for placeholder, value in values.items():
            match = PLACEHOLDER.fullmatch(placeholder)
            if match is None:
                raise ValueError(f"{placeholder!r} is not a placeholder")
            keys[placeholder] = _key(match.group(1), value, read_date)
        return cls(MappingProxyType(dict(values)), MappingProxyType(keys))

    def placeholder_for(
        self, label: str, value: str, read_date: DateReader = _no_dates
    ) -> tuple[Vault, str]:
        """The placeholder of ``value`` (a new one if this call has not seen it)."""
        key = _key(label, value, read_date)
        for placeholder, known in self.keys.items():
            if known == key:
                return self, placeholder
        number = 1 + sum(1 for p in self.values if p.startswith(f"[{label}_"))
        placeholder = f"[{label}_{number}]"
        return (
            Vault(
                MappingProxyType({**self.values, placeholder: value}),
                MappingProxyType({**self.keys, placeholder: key}),
            ),
            placeholder,
        )

    def conceal(
        self, text: str, spans: Sequence[phi.Span], read_date: DateReader = _no_dates
    ) -> tuple[Vault, str]:
        """``text`` with every span (from ``phi`` detection over this same text) replaced by
        its placeholder, and the vault that knows them. Square brackets the caller typed are
        made round first, so nothing they say can pose as a placeholder."""
        vault = self
        out: list[str] = []
        at = 0
        for span in sorted(spans, key=lambda s: s.start):
            if span.start < at:  # overlapping spans: the first one covers it
                continue
            value = text[span.start : span.end]
            label = LABELS.get(span.entity, "ID")
            if label == "DATE" and read_date(value) is not None:
                label = "DOB"
            vault, placeholder = vault.placeholder_for(label, value, read_date)
            out.append(_unbracket(text[at : span.start]))
            out.append(placeholder)
            at = span.end
        out.append(_unbracket(text[at:]))
        return vault, "".join(out)

    def scrub(self, text: str) -> str:
        """A last pass over text about to leave the process: any value this vault holds that
        still appears verbatim (case and spacing aside) becomes its placeholder."""
        for placeholder, value in sorted(self.values.items(), key=lambda item: -len(item[1])):
            words = value.split()
            if not words:
                continue
            pattern = r"(?<!\w)" + r"[\s,.-]*".join(re.escape(w) for w in words) + r"(?!\w)"
            text = re.sub(pattern, placeholder, text, flags=re.IGNORECASE)
        return text

    def resolve(self, text: str) -> str:
        """``text`` with each placeholder replaced by this call's value (tool arguments).
        Raises ``UnknownPlaceholder`` for one this call does not hold."""

        def value(match: re.Match[str]) -> str:
            found = self.values.get(match.group(0))
            if found is None:
                raise UnknownPlaceholder(match.group(0))
            return found

        return PLACEHOLDER.sub(value, text)

    def reveal(self, text: str) -> str:
        """What the caller hears: placeholders filled in; one the vault does not hold (a model
        inventing ``[NAME_7]``) is left out rather than read aloud."""
        return PLACEHOLDER.sub(lambda m: self.values.get(m.group(0), ""), text)

    def revealer(self) -> Revealer:
        return Revealer(self)


def _unbracket(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")


class Revealer:
    """Streaming ``reveal``: text that may end inside a placeholder is held back until the
    placeholder is whole (at most ``len("[ACCOUNT_9999]")`` characters)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._held = ""

    def feed(self, delta: str) -> str:
        text = self._held + delta
        partial = _PARTIAL.search(text)
        if partial is not None and len(text) - partial.start() < _LONGEST:
            self._held = text[partial.start() :]
            text = text[: partial.start()]
        else:
            self._held = ""
        return self._vault.reveal(text) if text else ""

    def close(self) -> str:
        held, self._held = self._held, ""
        return self._vault.reveal(held) if held else ""
