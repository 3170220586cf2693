"""The SQL backend's tables (SQLAlchemy 2.x declarative), and its schema version.

Double booking is impossible by construction: ``appointments`` has a partial unique index on
(clinic, provider, start time) over booked rows, so two booked appointments can never hold the
same provider at the same instant, whichever slot (appointment type) they came through. Slots
of one provider share one time grid (the seed makes 30-minute blocks), so same start means
same block. ``holds`` is unique per (clinic, provider, start time) too: one live hold per block.

Times are stored in UTC (``UtcDateTime``); SQLite stores them naive, PostgreSQL as timestamptz.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

SCHEMA_VERSION = 1
"""Bump when a table changes; a database with another version is refused at start."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC; naive values are refused (they are bugs)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass timezone-aware datetimes")
        value = value.astimezone(UTC)
        # SQLite compares datetimes as text: store one uniform naive-UTC form.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class SchemaVersionRow(Base):
    __tablename__ = "schema_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)


class ClinicRow(Base):
    """The clinic's time zone, for part-of-day filters and for reading times to callers."""

    __tablename__ = "clinics"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))


class ProviderRow(Base):
    __tablename__ = "providers"

    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class AppointmentTypeRow(Base):
    __tablename__ = "appointment_types"

    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int] = mapped_column(Integer)


class PatientRow(Base):
    __tablename__ = "patients"
    __table_args__ = (Index("ix_patients_clinic_dob", "clinic_id", "date_of_birth"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"))
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    mrn: Mapped[str] = mapped_column(String(64), default="")


class SlotRow(Base):
    """One provider's time for one appointment type."""

    __tablename__ = "slots"
    __table_args__ = (
        ForeignKeyConstraint(["clinic_id", "provider_id"], ["providers.clinic_id", "providers.id"]),
        ForeignKeyConstraint(
            ["clinic_id", "appointment_type"],
            ["appointment_types.clinic_id", "appointment_types.code"],
        ),
        UniqueConstraint("clinic_id", "provider_id", "appointment_type", "start_time"),
        Index("ix_slots_clinic_start", "clinic_id", "start_time"),
    )

    id: Mapped[str] = mapped_column(String(160), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(String(64))
    provider_id: Mapped[str] = mapped_column(String(64))
    appointment_type: Mapped[str] = mapped_column(String(64))
    start_time: Mapped[datetime] = mapped_column(UtcDateTime)
    end_time: Mapped[datetime] = mapped_column(UtcDateTime)


class HoldRow(Base):
    """A call's claim on a provider's block until ``expires_at``; expired rows mean nothing."""

    __tablename__ = "holds"
    __table_args__ = (
        UniqueConstraint("clinic_id", "provider_id", "start_time"),
        # A call's holds, released when it ends.
        Index("ix_holds_clinic_call", "clinic_id", "call_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(String(64))
    provider_id: Mapped[str] = mapped_column(String(64))
    start_time: Mapped[datetime] = mapped_column(UtcDateTime)
    slot_id: Mapped[str] = mapped_column(ForeignKey("slots.id"))
    call_id: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AppointmentRow(Base):
    """A booking. ``provider_id`` and ``start_time`` copy the slot's, for the unique index."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index(
            "uq_appointments_booked_block",
            "clinic_id",
            "provider_id",
            "start_time",
            unique=True,
            postgresql_where=text("status = 'booked'"),
            sqlite_where=text("status = 'booked'"),
        ),
        Index("ix_appointments_patient", "patient_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    slot_id: Mapped[str] = mapped_column(ForeignKey("slots.id"))
    provider_id: Mapped[str] = mapped_column(String(64))
    start_time: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    call_id: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdempotencyRow(Base):
    """The first result of a request with an idempotency key, as JSON."""

    __tablename__ = "idempotency_records"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    operation: Mapped[str] = mapped_column(String(32))
    # sha256 of the operation and its parameters: the same key with other parameters is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- verification: proofs, failed attempts, nicknames a record answers to ---------------------
# New tables only (created on start by ``create_all``), so ``SCHEMA_VERSION`` stays: an older
# database gains them without a migration.


class VerificationProofRow(Base):
    """A proof ``VerifyIdentity`` issued. Only its SHA-256 is stored: the secret itself went to
    the caller, so a copy of this table cannot be replayed."""

    __tablename__ = "verification_proofs"
    __table_args__ = (Index("ix_verification_proofs_expires", "expires_at"),)

    proof_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[str] = mapped_column(String(128))
    patient_id: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class VerificationFailureRow(Base):
    """One failed verification against one counter: a caller number or a patient record.

    ``counter`` is a SHA-256 of (clinic, kind, value): counting needs no phone number kept.
    """

    __tablename__ = "verification_failures"
    __table_args__ = (Index("ix_verification_failures_counter_at", "counter", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    counter: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class PatientNicknameRow(Base):
    """A first name the patient's record also answers to ("Bill" for William)."""

    __tablename__ = "patient_nicknames"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    nickname: Mapped[str] = mapped_column(String(100), primary_key=True)


class PatientNameKeyRow(Base):
    """The folded words of a patient's last name ("garcia" for García, "muller" for Müller and
    Mueller), so VerifyIdentity finds the records whose name was said without reading every
    patient of the clinic. Filled for any patient that has none when a verification runs."""

    __tablename__ = "patient_name_keys"
    __table_args__ = (Index("ix_patient_name_keys_key", "key"),)

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
