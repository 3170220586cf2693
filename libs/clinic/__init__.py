"""Clinic configuration: one YAML file per clinic (tenant).

A clinic's file names it, its time zone, opening hours, address, providers, appointment types,
FAQ answers, transfer targets and the phone numbers that reach it::

    directory = ClinicDirectory.from_folder(Path("deploy/local/clinics"))
    clinic = directory.for_called_number("+15550100100")
    clinic.is_open(datetime.now(UTC))
"""

from __future__ import annotations

from clinic._directory import ClinicDirectory, ClinicNotFound
from clinic._model import (
    AppointmentType,
    Clinic,
    FaqEntry,
    OpeningHours,
    Provider,
    TransferTargets,
)

__all__ = [
    "AppointmentType",
    "Clinic",
    "ClinicDirectory",
    "ClinicNotFound",
    "FaqEntry",
    "OpeningHours",
    "Provider",
    "TransferTargets",
]
