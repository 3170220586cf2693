"""Shared fixtures: the real demo clinic, packets, and a throwaway PostgreSQL database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from clinic import Clinic, ClinicDirectory
from handoff.packet import Line, Packet, Reason, Urgency
from servicekit.testing import PostgresDatabase

REPO = Path(__file__).resolve().parents[3]

# Monday 2025-03-10 in New York (EDT, UTC-4): the demo clinic opens 08:00-17:00.
MONDAY_OPEN = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 local
MONDAY_NIGHT = datetime(2025, 3, 11, 1, 0, tzinfo=UTC)  # 21:00 local
SUNDAY_NOON = datetime(2025, 3, 9, 16, 0, tzinfo=UTC)  # closed all day


@pytest.fixture(scope="session")
def clinics() -> ClinicDirectory:
    return ClinicDirectory.from_folder(REPO / "deploy/local/clinics")


@pytest.fixture(scope="session")
def demo(clinics: ClinicDirectory) -> Clinic:
    return clinics.get("demo")


def full_packet(**changes: object) -> Packet:
    """A packet with every required field present; ``changes`` override fields."""
    values: dict[str, object] = {
        "handoff_id": "",
        "call_id": "call-1",
        "clinic_id": "demo",
        "reason": Reason.CALLER_REQUEST,
        "urgency": Urgency.SOON,
        "caller_name": "Maria Lopez",
        "callback_number": "+1 555 010 2233",
        "identity_verified": True,
        "patient_id": "p-42",
        "summary": "Wants to move her checkup; no slot suited her.",
        "intents_tried": ("reschedule",),
        "slots": {"appointment_type": "checkup"},
        "transcript_excerpt": (
            Line("caller", "Can I talk to someone?", datetime(2025, 3, 10, 14, 0, tzinfo=UTC)),
            Line("assistant", "Of course, one moment.", None),
        ),
    }
    values.update(changes)
    return Packet(**values)  # type: ignore[arg-type]


@pytest.fixture
def pg_url(postgres_database: PostgresDatabase) -> str:
    """A new, uniquely named PostgreSQL database, dropped afterwards (servicekit.testing)."""
    return postgres_database.url
