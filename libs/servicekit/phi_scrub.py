"""The PHI engine behind the scrubbing seam, and conversions of "what the call knows" to
:class:`phi.Known`.

``servicekit.app.default_scrubber`` imports :func:`make_scrubber` when this module exists, so
every service's logs, spans and published events are redacted in strict mode, with the clinics'
staff names (providers and their aliases) left alone::

    scrub = make_scrubber(settings)
    scrub("this is maria lopez, I'd like to see Dr. Patel")
    # 'this is [NAME], I'd like to see Dr. Patel'

    known_from_dict(session.known)           # the orchestrator's KV session -> phi.Known
    known_from_proto(request.known)          # common_pb2.KnownIdentity -> phi.Known
"""

from __future__ import annotations

import datetime as dt
import logging
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


def make_scrubber(settings: ServiceSettings) -> Callable[[str], str]:
    """A strict-mode redaction function (``text -> text``) allowing the clinics' staff names."""
    engine = phi.Engine(strict=True, allow=staff_names(settings.clinics_dir))

    def scrub(text: str) -> str:
        if not text:
            return text
        return engine.redact(text).text

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
