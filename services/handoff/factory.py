"""Everything the Handoff service needs, wired from a database URL: for ``__main__``.

::

    servicer = build_handoff_servicer(
        database_url="sqlite:///handoffs.db",   # or postgresql+psycopg://...
        clinics=ClinicDirectory.from_folder(Path("deploy/local/clinics")),
        events=runtime.events,                  # async event(kind, message)
        redact=runtime.scrub,                   # the PHI redaction seam
    )
    ...
    servicer.hub.close(); servicer.store.close()   # on shutdown
"""

from __future__ import annotations

from clinic import ClinicDirectory
from handoff.fanout import WatchHub
from handoff.patient_check import PatientCheck, never_proven
from handoff.server import EventSink, HandoffServicer, Redactor, no_redaction
from handoff.store import HandoffStore

DEFAULT_DATABASE_URL = "sqlite:///handoffs.db"


def build_handoff_servicer(
    *,
    clinics: ClinicDirectory,
    events: EventSink,
    database_url: str = DEFAULT_DATABASE_URL,
    redact: Redactor = no_redaction,
    watch_queue_size: int = 100,
    check_patient: PatientCheck = never_proven,
) -> HandoffServicer:
    """A servicer on a store at ``database_url`` (schema created/checked now)."""
    return HandoffServicer(
        store=HandoffStore.open(database_url),
        clinics=clinics,
        events=events,
        hub=WatchHub(queue_size=watch_queue_size),
        redact=redact,
        check_patient=check_patient,
    )
