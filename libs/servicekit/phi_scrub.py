"""The PHI engine behind the scrubbing seam, and conversions of "what the call knows" to
:class:`phi.Known`.

``servicekit.app.default_scrubber`` imports :func:`make_scrubber` when this module exists, so
every service's logs, spans and published events are redacted in strict mode, with the clinics'
staff names (providers and their aliases) left alone::

    scrub = make_scrubber(settings)
    scrub("this is maria lopez, I'd like to see Dr. Patel")
    # 'this is [NAME], I'd like to see Dr. Patel'

    memo = CleanMemo()                       # texts already found free of PHI
    if not memo.is_clean(text, known): ...   # scan; memo.remember(text, known) when clean

    known_from_dict(session.known)           # the orchestrator's KV session -> phi.Known
    known_from_proto(request.known)          # common_pb2.KnownIdentity -> phi.Known
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import phi
from clinic import ClinicDirectory
from frontdesk.v1 import common_pb2
from servicekit.settings import ServiceSettings

log = logging.getLogger(__name__)


def staff_names(clinics_dir: Path) -> tuple[str, ...]:
    """Every provider name and alias of every clinic in ``clinics_dir`` (sorted, unique).

    A missing or unreadable folder gives no names (with a warning): scrubbing then redacts staff
    names too, which over-redacts but never leaks.
    """
    try:
        directory = ClinicDirectory.from_folder(clinics_dir)
    except ValueError as error:
        log.warning("no staff names for PHI scrubbing: %s", error)
        return ()
    return tuple(sorted({name for clinic in directory for name in clinic.staff_names()}))


class CleanMemo:
    """Texts one engine already found free of PHI (with a given ``Known``), so a text that
    passes through again (a redacted reply published, then scrubbed, then scanned by the leak
    detector; the same prompt on every call) is not scanned again.

    Texts are remembered only as a 16-byte BLAKE2b digest keyed with a random per-process key:
    the memo holds no text it was given, and its entries cannot be tested against guesses
    outside the process; beside a text with PHI only its redacted form may be kept. Bounded
    (least recently used go first); thread-safe (logging scrubs from worker threads).
    """

    def __init__(self, max_entries: int = 16_384) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._key = os.urandom(32)
        self._max = max_entries
        self._seen: OrderedDict[bytes, str | None] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._seen)

    def _digest(self, text: str, known: phi.Known | None) -> bytes:
        digest = hashlib.blake2b(
            text.encode("utf-8", "surrogatepass"), key=self._key, digest_size=16
        )
        if known is not None and not known.is_empty():
            digest.update(b"\x00known\x00" + repr(known).encode("utf-8", "surrogatepass"))
        return digest.digest()

    def is_clean(self, text: str, known: phi.Known | None = None) -> bool:
        return self.redacted(text, known) == text

    def redacted(self, text: str, known: phi.Known | None = None) -> str | None:
        """What a scan of ``text`` (with ``known``) gave before: ``text`` itself when it was
        clean, its redacted form when :meth:`remember` was told one; None when not seen."""
        key = self._digest(text, known)
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                self.hits += 1
                result = self._seen[key]
                return text if result is None else result
            self.misses += 1
            return None

    def remember(
        self, text: str, known: phi.Known | None = None, redacted: str | None = None
    ) -> None:
        """``text`` was scanned (with ``known``) and found clean, or, with ``redacted``, found
        to have PHI and redacted to that. Only the redacted form is kept (it is what gets
        published); the orchestrator's call redactor uses it: a caller's words are redacted on
        their turn and again, usually with the same Known, in the transcript at the call's end."""
        key = self._digest(text, known)
        with self._lock:
            self._seen[key] = None if redacted is None or redacted == text else redacted
            self._seen.move_to_end(key)
            if len(self._seen) > self._max:
                self._seen.popitem(last=False)


def make_scrubber(settings: ServiceSettings, memo: CleanMemo | None = None) -> Callable[[str], str]:
    """A strict-mode redaction function (``text -> text``) allowing the clinics' staff names.

    Texts it found clean before are passed through without a scan (``memo``, one per scrubber
    by default): most of what a service logs and publishes was redacted already, or repeats.
    """
    engine = phi.Engine(strict=True, allow=staff_names(settings.clinics_dir))
    clean = memo if memo is not None else CleanMemo()

    def scrub(text: str) -> str:
        if not text or clean.is_clean(text):
            return text
        redacted = engine.redact(text)
        if not redacted.spans:
            clean.remember(text)
        return redacted.text

    return scrub


def _texts(value: Any) -> list[str]:
    """A value that may be one string or a list of them (KV JSON is loosely typed)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [item for item in value if isinstance(item, str)]
    return []


def _first_date(candidates: Iterable[str]) -> dt.date | None:
    # A DOB that does not parse is skipped rather than failing the whole Known: the other
    # identifiers must still be redacted.
    for text in candidates:
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            continue
    return None


def known_from_dict(data: Mapping[str, Any] | None) -> phi.Known:
    """The orchestrator's session ``known`` dict (lists of strings per kind) as a ``phi.Known``.

    Keys: names, date_of_birth (ISO dates; the first that parses is used), phones, emails, mrns,
    addresses, other_ids. Unknown keys and non-string items are ignored.
    """
    data = data or {}
    return phi.Known.of(
        names=_texts(data.get("names")),
        date_of_birth=_first_date(_texts(data.get("date_of_birth"))),
        phones=_texts(data.get("phones")),
        emails=_texts(data.get("emails")),
        mrns=_texts(data.get("mrns")),
        addresses=_texts(data.get("addresses")),
        other_ids=_texts(data.get("other_ids")),
    )


def known_from_proto(known: common_pb2.KnownIdentity) -> phi.Known:
    """A ``KnownIdentity`` message as a ``phi.Known`` (a DOB that is not ISO 8601 is skipped)."""
    return phi.Known.of(
        names=list(known.names),
        date_of_birth=_first_date([known.date_of_birth] if known.date_of_birth else []),
        phones=list(known.phones),
        emails=list(known.emails),
        mrns=list(known.mrns),
        addresses=list(known.addresses),
        other_ids=list(known.other_ids),
    )
