"""Core value types shared by every part of the PHI engine."""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Entity(enum.StrEnum):
    """Kind of protected health information a span holds (HIPAA Safe Harbor)."""

    NAME = "NAME"
    DATE = "DATE"
    AGE = "AGE"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    SSN = "SSN"
    MRN = "MRN"
    ACCOUNT = "ACCOUNT"
    ADDRESS = "ADDRESS"
    ZIP = "ZIP"
    URL = "URL"
    IP = "IP"
    ID = "ID"


class Source(enum.StrEnum):
    """Why a span was detected: a structural pattern, a cue phrase, or a known value."""

    PATTERN = "pattern"
    CONTEXT = "context"
    KNOWN = "known"


@dataclass(frozen=True, slots=True)
class Span:
    """A detected identifier: ``text[start:end]`` is PHI of kind ``entity``."""

    start: int
    end: int
    entity: Entity
    source: Source


@dataclass(frozen=True, slots=True)
class Redacted:
    """Result of :func:`phi.redact`.

    ``text`` has each span replaced by ``[ENTITY]``; ``spans`` index the ORIGINAL text.
    """

    text: str
    spans: tuple[Span, ...]


def _strs(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    return tuple(v for v in value if v and v.strip())


@dataclass(frozen=True, slots=True)
class Known:
    """What the call already knows about the caller; every later mention is redacted.

    Hashable, so the compiled matchers are cached per ``Known``.  Build it with
    :meth:`Known.of`, which accepts single strings or iterables and ISO dates::

        Known.of(names="Maria Lopez", date_of_birth="1980-03-03", phones="555-012-3456")
    """

    names: tuple[str, ...] = ()
    date_of_birth: _dt.date | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    mrns: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    other_ids: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        names: str | Iterable[str] | None = None,
        date_of_birth: _dt.date | str | None = None,
        phones: str | Iterable[str] | None = None,
        emails: str | Iterable[str] | None = None,
        mrns: str | Iterable[str] | None = None,
        addresses: str | Iterable[str] | None = None,
        other_ids: str | Iterable[str] | None = None,
    ) -> Known:
        """Convenient constructor: strings or iterables; ``date_of_birth`` may be ISO text."""
        dob = (
            _dt.date.fromisoformat(date_of_birth)
            if isinstance(date_of_birth, str)
            else date_of_birth
        )
        return cls(
            names=_strs(names),
            date_of_birth=dob,
            phones=_strs(phones),
            emails=_strs(emails),
            mrns=_strs(mrns),
            addresses=_strs(addresses),
            other_ids=_strs(other_ids),
        )

    def is_empty(self) -> bool:
        """True when nothing is known (no extra matching needed)."""
        return not (
            self.names
            or self.date_of_birth
            or self.phones
            or self.emails
            or self.mrns
            or self.addresses
            or self.other_ids
        )
