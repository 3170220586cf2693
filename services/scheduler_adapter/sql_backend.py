"""The SQL scheduler backend: SQLite (default) or PostgreSQL through SQLAlchemy 2.x.

Open it from a URL; it creates the tables on first use and refuses a database whose schema
version differs::

    backend = SqlBackend.open("sqlite+pysqlite:///frontdesk.db")   # or :memory:
    backend = SqlBackend.open("postgresql+psycopg://postgres@127.0.0.1:5432/frontdesk")
    backend.sync_clinic(clinic)            # clinics, providers, appointment types from config
    slots = await backend.find_slots(SlotQuery(clinic_id="demo", appointment_type="checkup"))

Each operation is one synchronous transaction run in a worker thread (``asyncio.to_thread``).
Consistency lives in the database: the partial unique index on booked appointments makes a
double booking fail at insert (mapped to ``FailedPrecondition``), and an idempotency record is
written in the same transaction as the change it remembers. SQLite has one writer anyway, so
SQLite operations are serialised by a lock (this also makes ``:memory:`` safe across threads).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, and_, delete, exists, inspect, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from clinic import Clinic
from namematch import fold, names_match, spelled_words
from scheduler_adapter.domain import (
    Appointment,
    AppointmentStatus,
    Booking,
    Cancellation,
    Clock,
    Hold,
    PatientIdentity,
    Rescheduling,
    Slot,
    SlotQuery,
    Verification,
    utc_now,
)
from scheduler_adapter.engine import DatabaseTimeouts, database_error, make_engine
from scheduler_adapter.offers import pool_size, spread
from scheduler_adapter.schema import (
    SCHEMA_VERSION,
    AppointmentRow,
    AppointmentTypeRow,
    Base,
    ClinicRow,
    HoldRow,
    IdempotencyRow,
    PatientNameKeyRow,
    PatientNicknameRow,
    PatientRow,
    ProviderRow,
    SchemaVersionRow,
    SlotRow,
)
from servicekit.errors import (
    Aborted,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ServiceError,
)

T = TypeVar("T")

_BOOKED = AppointmentStatus.BOOKED.value
_CANCELLED = AppointmentStatus.CANCELLED.value
# Patients added to the database by other systems get their name keys within this many seconds
# (the check reads every patient of the clinic). Until then they verify all the same (the records
# born that day are always read); only their lockout counting waits.
_NAME_KEYS_EVERY = 60.0
_TAKEN = "that slot was just taken by another caller; please choose another time"
_HELD = "that slot is being held for another caller right now; please choose another time"


class SchemaMismatch(RuntimeError):
    """The database was made by another version of the scheduler's schema."""


def name_keys(name: str) -> set[str]:
    """The index keys of a name's words: folded, with "ue", "oe", "ae" read as "u", "o", "a"
    (so Müller, Muller and Mueller share "muller")."""
    keys = set()
    for word in fold(name).split():
        for pair, single in (("ue", "u"), ("oe", "o"), ("ae", "a")):
            word = word.replace(pair, single)
        keys.add(word)
    return keys


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


class SqlBackend:
    """``SchedulerBackend`` on a SQLAlchemy engine. See the module docstring."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock = utc_now,
        timeouts: DatabaseTimeouts | None = None,
        *,
        offer_spread: bool = True,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._offer_spread = offer_spread
        # What the engine was opened with, for the messages of timeout errors.
        self._timeouts = timeouts or DatabaseTimeouts()
        # When each clinic's patients were last checked for missing name keys (monotonic).
        self._name_keys_checked: dict[str, float] = {}
        self._lock: contextlib.AbstractContextManager[Any] = (
            threading.RLock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )
        self.ensure_schema()

    @classmethod
    def open(
        cls,
        url: str,
        clock: Clock = utc_now,
        timeouts: DatabaseTimeouts | None = None,
        *,
        offer_spread: bool = True,
    ) -> SqlBackend:
        """A backend on a new engine for ``url`` (tables created if missing)."""
        timeouts = timeouts or DatabaseTimeouts()
        return cls(make_engine(url, timeouts), clock, timeouts, offer_spread=offer_spread)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    # --- schema and configuration ------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Creates missing tables; raises SchemaMismatch if the stored version differs, and
        ``Unavailable`` when the database does not answer within the connect timeout."""
        self._locked(self._ensure_schema)

    def _ensure_schema(self) -> None:
        if inspect(self._engine).has_table(SchemaVersionRow.__tablename__):
            with Session(self._engine) as session:
                versions = session.scalars(select(SchemaVersionRow.version)).all()
            if versions and list(versions) != [SCHEMA_VERSION]:
                raise SchemaMismatch(
                    f"the scheduler database {self._engine.url.render_as_string()} has "
                    f"schema version {sorted(versions)}, this code needs {SCHEMA_VERSION}; "
                    "migrate it or point the scheduler at a new database"
                )
        Base.metadata.create_all(self._engine)
        with Session(self._engine) as session, session.begin():
            if session.get(SchemaVersionRow, SCHEMA_VERSION) is None:
                session.add(SchemaVersionRow(version=SCHEMA_VERSION))

    def sync_clinic(self, clinic: Clinic) -> None:
        """Writes the clinic's time zone, providers and appointment types from its config."""
        with self._lock, Session(self._engine) as session, session.begin():
            session.merge(ClinicRow(id=clinic.id, name=clinic.name, timezone=clinic.timezone))
            for provider in clinic.providers:
                session.merge(ProviderRow(clinic_id=clinic.id, id=provider.id, name=provider.name))
            for kind in clinic.appointment_types:
                session.merge(
                    AppointmentTypeRow(
                        clinic_id=clinic.id,
                        code=kind.code,
                        name=kind.name,
                        duration_minutes=kind.duration_minutes,
                    )
                )

    # --- plumbing -------------------------------------------------------------------------------

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(self._locked, work, *args)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Runs ``work(*args)`` in a worker thread under this backend's lock and error mapping
        (for stores that share its database, e.g. ``verification_store``)."""
        return await self._run(work, *args)

    def _locked(self, work: Callable[..., T], *args: Any) -> T:
        with self._lock:
            try:
                return work(*args)
            except (DBAPIError, PoolTimeout) as error:
                translated = database_error(error, self._timeouts)
                if translated is None:
                    raise
                raise translated from error

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield session

    def _idempotent(
        self,
        operation: str,
        key: str,
        fingerprint: str,
        work: Callable[[Session], T],
        encode: Callable[[T], dict[str, Any]],
        decode: Callable[[dict[str, Any]], T],
    ) -> T:
        """Runs ``work`` in a transaction that also stores its result under ``key``.

        A stored result for ``key`` is returned instead of running ``work`` again. When a
        concurrent request with the same key wins the race, its result is returned too.
        """
        try:
            with self._transaction() as session:
                if key:
                    stored = self._stored_result(session, key, operation, fingerprint)
                    if stored is not None:
                        return decode(stored)
                result = work(session)
                if key:
                    session.add(
                        IdempotencyRow(
                            key=key,
                            operation=operation,
                            fingerprint=fingerprint,
                            result=json.dumps(encode(result)),
                            created_at=self._clock(),
                        )
                    )
                    session.flush()
                return result
        except (ServiceError, IntegrityError) as error:
            if key:
                with Session(self._engine) as session:
                    stored = self._stored_result(session, key, operation, fingerprint)
                if stored is not None:
                    return decode(stored)
            if isinstance(error, IntegrityError):
                raise Aborted("a concurrent change to the same record won; please retry") from None
            raise

    @staticmethod
    def _stored_result(
        session: Session, key: str, operation: str, fingerprint: str
    ) -> dict[str, Any] | None:
        record = session.get(IdempotencyRow, key)
        if record is None:
            return None
        if record.operation != operation or record.fingerprint != fingerprint:
            raise InvalidArgument(
                f"idempotency_key {key!r} was already used for a different {record.operation} "
                "request; use a new key for a new request"
            )
        loaded: dict[str, Any] = json.loads(record.result)
        return loaded

    # --- reading rows as domain objects ---------------------------------------------------------

    @staticmethod
    def _slot_select() -> Select[SlotRow, str, str]:
        return (
            select(SlotRow, ProviderRow.name, ClinicRow.timezone)
            .join(
                ProviderRow,
                and_(
                    ProviderRow.clinic_id == SlotRow.clinic_id,
                    ProviderRow.id == SlotRow.provider_id,
                ),
            )
            .join(ClinicRow, ClinicRow.id == SlotRow.clinic_id)
        )

    @staticmethod
    def _slot(row: SlotRow, provider_name: str, time_zone: str) -> Slot:
        return Slot(
            slot_id=row.id,
            clinic_id=row.clinic_id,
            provider_id=row.provider_id,
            provider_name=provider_name,
            appointment_type=row.appointment_type,
            start=row.start_time,
            end=row.end_time,
            time_zone=time_zone,
        )

    def _load_slot(self, session: Session, clinic_id: str, slot_id: str) -> Slot:
        found = session.execute(
            self._slot_select().where(SlotRow.id == slot_id, SlotRow.clinic_id == clinic_id)
        ).first()
        if found is None:
            raise NotFound(f"no slot {slot_id!r} in clinic {clinic_id!r}; find slots again")
        row, provider_name, time_zone = found
        return self._slot(row, provider_name, time_zone)

    def _appointment(self, session: Session, row: AppointmentRow) -> Appointment:
        return Appointment(
            appointment_id=row.id,
            patient_id=row.patient_id,
            slot=self._load_slot(session, row.clinic_id, row.slot_id),
            status=AppointmentStatus(row.status),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def _patient_appointment(
        self, session: Session, clinic_id: str, patient_id: str, appointment_id: str
    ) -> AppointmentRow:
        """The appointment row, locked for update; NotFound / PermissionDenied otherwise."""
        row = session.scalars(
            select(AppointmentRow)
            .where(AppointmentRow.id == appointment_id, AppointmentRow.clinic_id == clinic_id)
            .with_for_update()
        ).first()
        if row is None:
            raise NotFound(f"no appointment {appointment_id!r} in clinic {clinic_id!r}")
        if row.patient_id != patient_id:
            raise PermissionDenied(f"appointment {appointment_id!r} belongs to another patient")
        return row

    @staticmethod
    def _block_held_by_other(session: Session, slot: Slot, call_id: str, now: datetime) -> bool:
        return (
            session.scalar(
                select(
                    exists().where(
                        HoldRow.clinic_id == slot.clinic_id,
                        HoldRow.provider_id == slot.provider_id,
                        HoldRow.start_time == slot.start,
                        HoldRow.expires_at > now,
                        HoldRow.call_id != call_id,
                    )
                )
            )
            is True
        )

    @staticmethod
    def _release_holds(session: Session, slot: Slot) -> None:
        session.execute(
            delete(HoldRow).where(
                HoldRow.clinic_id == slot.clinic_id,
                HoldRow.provider_id == slot.provider_id,
                HoldRow.start_time == slot.start,
            )
        )

    def _insert_booking(
        self, session: Session, slot: Slot, patient_id: str, call_id: str, now: datetime
    ) -> AppointmentRow:
        """Inserts the booked row; the unique index turns a double booking into an error."""
        if slot.start <= now:
            raise FailedPrecondition("that slot has already started; please choose a later time")
        if self._block_held_by_other(session, slot, call_id, now):
            raise FailedPrecondition(_HELD)
        row = AppointmentRow(
            id=_new_id("appt"),
            clinic_id=slot.clinic_id,
            patient_id=patient_id,
            slot_id=slot.slot_id,
            provider_id=slot.provider_id,
            start_time=slot.start,
            status=_BOOKED,
            call_id=call_id,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise FailedPrecondition(_TAKEN) from None
        self._release_holds(session, slot)
        return row

    # --- FindSlots ------------------------------------------------------------------------------

    async def find_slots(self, query: SlotQuery) -> list[Slot]:
        return await self._run(self._find_slots, query)

    def _find_slots(self, query: SlotQuery) -> list[Slot]:
        now = self._clock()
        start_after = max(query.start_after or now, now)
        start_before = query.start_before or start_after + timedelta(days=14)
        with Session(self._engine) as session:
            self._check_filters(session, query)
            booked = exists().where(
                AppointmentRow.clinic_id == SlotRow.clinic_id,
                AppointmentRow.provider_id == SlotRow.provider_id,
                AppointmentRow.start_time == SlotRow.start_time,
                AppointmentRow.status == _BOOKED,
            )
            held = exists().where(
                HoldRow.clinic_id == SlotRow.clinic_id,
                HoldRow.provider_id == SlotRow.provider_id,
                HoldRow.start_time == SlotRow.start_time,
                HoldRow.expires_at > now,
                HoldRow.call_id != query.call_id,
            )
            statement = (
                self._slot_select()
                .where(
                    SlotRow.clinic_id == query.clinic_id,
                    SlotRow.start_time >= start_after,
                    SlotRow.start_time < start_before,
                    ~booked,
                    ~held,
                )
                .order_by(SlotRow.start_time, SlotRow.provider_id, SlotRow.appointment_type)
                # Read in small chunks: a page needs a few dozen rows, not hundreds of objects.
                .execution_options(yield_per=48)
            )
            if query.appointment_type:
                statement = statement.where(SlotRow.appointment_type == query.appointment_type)
            if query.provider_id:
                statement = statement.where(SlotRow.provider_id == query.provider_id)
            slots: list[Slot] = []
            seen_blocks: set[tuple[str, datetime]] = set()
            spread_for = query.call_id if self._offer_spread else ""
            wanted = pool_size(query.page_size, spread_for)
            for found in session.execute(statement):
                # Unpacked as a plain tuple: Row.tuple() warns (deprecated) on every row, which
                # was a third of FindSlots' CPU.
                row, provider_name, time_zone = found
                slot = self._slot(row, provider_name, time_zone)
                if not query.part_of_day.contains(slot.start.astimezone(ZoneInfo(time_zone))):
                    continue
                # Without a type filter, offer each provider block once, not once per type.
                block = (slot.provider_id, slot.start)
                if block in seen_blocks:
                    continue
                seen_blocks.add(block)
                slots.append(slot)
                if len(slots) >= wanted:
                    break
            # Concurrent callers asking for the same times are offered different ones.
            return spread(
                slots,
                page_size=query.page_size,
                call_id=spread_for,
                day_of=lambda s: s.start.astimezone(ZoneInfo(s.time_zone)).date(),
                # The caller named this very time ("Monday at 3:30"): offer it first.
                keep_first=bool(slots) and slots[0].start == query.start_after,
            )

    @staticmethod
    def _check_filters(session: Session, query: SlotQuery) -> None:
        if session.get(ClinicRow, query.clinic_id) is None:
            raise NotFound(f"no clinic {query.clinic_id!r} in the scheduler database")
        if query.appointment_type and (
            session.get(AppointmentTypeRow, (query.clinic_id, query.appointment_type)) is None
        ):
            codes = session.scalars(
                select(AppointmentTypeRow.code).where(
                    AppointmentTypeRow.clinic_id == query.clinic_id
                )
            ).all()
            raise InvalidArgument(
                f"appointment_type {query.appointment_type!r} is not offered; "
                f"use one of {', '.join(sorted(codes))}"
            )
        provider_key = (query.clinic_id, query.provider_id)
        if query.provider_id and session.get(ProviderRow, provider_key) is None:
            ids = session.scalars(
                select(ProviderRow.id).where(ProviderRow.clinic_id == query.clinic_id)
            ).all()
            raise InvalidArgument(
                f"provider_id {query.provider_id!r} is not a provider of this clinic; "
                f"use one of {', '.join(sorted(ids))}"
            )

    # --- HoldSlot -------------------------------------------------------------------------------

    async def release_holds(self, clinic_id: str, call_id: str) -> int:
        return await self._run(self._release_call_holds, clinic_id, call_id)

    def _release_call_holds(self, clinic_id: str, call_id: str) -> int:
        with self._transaction() as session:
            result = session.execute(
                delete(HoldRow).where(HoldRow.clinic_id == clinic_id, HoldRow.call_id == call_id)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def hold_slot(self, clinic_id: str, call_id: str, slot_id: str, ttl: timedelta) -> Hold:
        return await self._run(self._hold_slot, clinic_id, call_id, slot_id, ttl)

    def _hold_slot(self, clinic_id: str, call_id: str, slot_id: str, ttl: timedelta) -> Hold:
        now = self._clock()
        try:
            with self._transaction() as session:
                slot = self._load_slot(session, clinic_id, slot_id)
                if slot.start <= now:
                    raise FailedPrecondition("that slot has already started; choose a later time")
                booked = session.scalar(
                    select(
                        exists().where(
                            AppointmentRow.clinic_id == clinic_id,
                            AppointmentRow.provider_id == slot.provider_id,
                            AppointmentRow.start_time == slot.start,
                            AppointmentRow.status == _BOOKED,
                        )
                    )
                )
                if booked:
                    raise FailedPrecondition("that slot is already booked; choose another time")
                current = session.scalars(
                    select(HoldRow)
                    .where(
                        HoldRow.clinic_id == clinic_id,
                        HoldRow.provider_id == slot.provider_id,
                        HoldRow.start_time == slot.start,
                    )
                    .with_for_update()
                ).first()
                expires_at = now + ttl
                if current is not None and current.call_id == call_id:
                    current.slot_id = slot.slot_id
                    current.expires_at = expires_at
                    return Hold(current.id, slot, call_id, expires_at)
                if current is not None and current.expires_at > now:
                    raise FailedPrecondition(_HELD)
                if current is not None:
                    # Expired: it no longer means anything, make room for the new hold.
                    session.delete(current)
                    session.flush()
                hold = HoldRow(
                    id=_new_id("hold"),
                    clinic_id=clinic_id,
                    provider_id=slot.provider_id,
                    start_time=slot.start,
                    slot_id=slot.slot_id,
                    call_id=call_id,
                    expires_at=expires_at,
                )
                session.add(hold)
                session.flush()
                return Hold(hold.id, slot, call_id, expires_at)
        except IntegrityError:
            # Another call inserted a hold on the same block at the same moment.
            raise FailedPrecondition(_HELD) from None

    # --- Book -----------------------------------------------------------------------------------

    async def book(
        self, clinic_id: str, call_id: str, patient_id: str, slot_id: str, idempotency_key: str
    ) -> Booking:
        return await self._run(self._book, clinic_id, call_id, patient_id, slot_id, idempotency_key)

    def _book(
        self, clinic_id: str, call_id: str, patient_id: str, slot_id: str, idempotency_key: str
    ) -> Booking:
        def work(session: Session) -> Booking:
            now = self._clock()
            patient = session.get(PatientRow, patient_id)
            if patient is None or patient.clinic_id != clinic_id:
                raise NotFound(f"no patient {patient_id!r} in clinic {clinic_id!r}")
            slot = self._load_slot(session, clinic_id, slot_id)
            row = self._insert_booking(session, slot, patient_id, call_id, now)
            return Booking(self._appointment(session, row))

        return self._idempotent(
            "book",
            idempotency_key,
            _fingerprint("book", clinic_id, patient_id, slot_id),
            work,
            lambda booking: {"appointment": _appointment_json(booking.appointment)},
            lambda data: Booking(_appointment_from_json(data["appointment"]), replayed=True),
        )

    # --- Cancel ---------------------------------------------------------------------------------

    async def cancel(
        self, clinic_id: str, patient_id: str, appointment_id: str, idempotency_key: str
    ) -> Cancellation:
        return await self._run(self._cancel, clinic_id, patient_id, appointment_id, idempotency_key)

    def _cancel(
        self, clinic_id: str, patient_id: str, appointment_id: str, idempotency_key: str
    ) -> Cancellation:
        def work(session: Session) -> Cancellation:
            now = self._clock()
            row = self._patient_appointment(session, clinic_id, patient_id, appointment_id)
            if row.status == _CANCELLED:
                return Cancellation(self._appointment(session, row), changed=False)
            if row.start_time <= now:
                raise FailedPrecondition(
                    "that appointment has already started or passed; it cannot be cancelled now"
                )
            row.status = _CANCELLED
            row.updated_at = now
            session.flush()
            return Cancellation(self._appointment(session, row))

        return self._idempotent(
            "cancel",
            idempotency_key,
            _fingerprint("cancel", clinic_id, patient_id, appointment_id),
            work,
            lambda result: {"appointment": _appointment_json(result.appointment)},
            lambda data: Cancellation(_appointment_from_json(data["appointment"]), changed=False),
        )

    # --- Reschedule -----------------------------------------------------------------------------

    async def reschedule(
        self,
        clinic_id: str,
        call_id: str,
        patient_id: str,
        appointment_id: str,
        new_slot_id: str,
        idempotency_key: str,
    ) -> Rescheduling:
        return await self._run(
            self._reschedule,
            clinic_id,
            call_id,
            patient_id,
            appointment_id,
            new_slot_id,
            idempotency_key,
        )

    def _reschedule(
        self,
        clinic_id: str,
        call_id: str,
        patient_id: str,
        appointment_id: str,
        new_slot_id: str,
        idempotency_key: str,
    ) -> Rescheduling:
        def work(session: Session) -> Rescheduling:
            now = self._clock()
            old = self._patient_appointment(session, clinic_id, patient_id, appointment_id)
            if old.status != _BOOKED:
                raise FailedPrecondition("that appointment is cancelled; book a new one instead")
            if old.start_time <= now:
                raise FailedPrecondition("that appointment has already started or passed")
            if old.slot_id == new_slot_id:
                raise FailedPrecondition("the appointment is already in that slot")
            new_slot = self._load_slot(session, clinic_id, new_slot_id)
            # Cancel first so that the same provider block, as another type, can be rebooked;
            # if the booking below fails the whole transaction rolls back, cancellation included.
            old.status = _CANCELLED
            old.updated_at = now
            session.flush()
            new = self._insert_booking(session, new_slot, patient_id, call_id, now)
            return Rescheduling(self._appointment(session, old), self._appointment(session, new))

        return self._idempotent(
            "reschedule",
            idempotency_key,
            _fingerprint("reschedule", clinic_id, patient_id, appointment_id, new_slot_id),
            work,
            lambda result: {
                "cancelled": _appointment_json(result.cancelled),
                "booked": _appointment_json(result.booked),
            },
            lambda data: Rescheduling(
                _appointment_from_json(data["cancelled"]),
                _appointment_from_json(data["booked"]),
                replayed=True,
            ),
        )

    # --- VerifyIdentity -------------------------------------------------------------------------

    async def verify_identity(
        self, clinic_id: str, full_name: str, date_of_birth: date
    ) -> Verification:
        return await self._run(self._verify_identity, clinic_id, full_name, date_of_birth)

    def _verify_identity(self, clinic_id: str, full_name: str, date_of_birth: date) -> Verification:
        if time.monotonic() - self._name_keys_checked.get(clinic_id, -1e9) >= _NAME_KEYS_EVERY:
            self.index_patient_names(clinic_id)
        with Session(self._engine) as session:
            said_keys = name_keys(full_name) | {
                k for word in spelled_words(full_name) for k in name_keys(word)
            }
            # By key first (its index), the clinic checked on the patients read next.
            named_ids = (
                set(
                    session.scalars(
                        select(PatientNameKeyRow.patient_id).where(
                            PatientNameKeyRow.key.in_(said_keys)
                        )
                    )
                )
                if said_keys
                else set()
            )
            columns = (
                PatientRow.id,
                PatientRow.first_name,
                PatientRow.last_name,
                PatientRow.date_of_birth,
            )
            # Two indexed reads: the records born that day, and the records with the said name.
            born = session.execute(
                select(*columns).where(
                    PatientRow.clinic_id == clinic_id, PatientRow.date_of_birth == date_of_birth
                )
            ).all()
            by_name = session.execute(
                select(*columns).where(
                    PatientRow.clinic_id == clinic_id, PatientRow.id.in_(named_ids)
                )
            ).all()
            rows = list({row.id: row for row in [*born, *by_name]}.values())
            nicknames: dict[str, list[str]] = {}
            for patient_id, nickname in session.execute(
                select(PatientNicknameRow.patient_id, PatientNicknameRow.nickname).where(
                    PatientNicknameRow.patient_id.in_([row.id for row in rows])
                )
            ):
                nicknames.setdefault(patient_id, []).append(nickname)

            def said(row: Any) -> bool:
                # Name forms (order, spelled letters, accents, ue for ü, the record's
                # nicknames), never sound-alikes: "Mario" is not "Maria", twins stay apart.
                return names_match(
                    full_name,
                    row.first_name,
                    row.last_name,
                    nicknames=nicknames.get(row.id, ()),
                    sound_alike=False,
                )

            named = [row for row in rows if said(row)]
            # The date of birth stays exact.
            matches = [row for row in named if row.date_of_birth == date_of_birth]
            # Every record whose name was said, whatever its date of birth: a failed attempt
            # counts against each (lockouts).
            named_ids_said = tuple(sorted(row.id for row in named))
            # Two records with one name and birth date cannot be told apart: verify neither.
            if len(matches) != 1:
                return Verification(verified=False, named=named_ids_said)
            patient = session.get(PatientRow, matches[0].id)
            assert patient is not None
        return Verification(
            verified=True,
            patient_id=patient.id,
            identity=PatientIdentity(
                names=(f"{patient.first_name} {patient.last_name}",),
                date_of_birth=patient.date_of_birth,
                phones=tuple(v for v in (patient.phone,) if v),
                emails=tuple(v for v in (patient.email,) if v),
                mrns=tuple(v for v in (patient.mrn,) if v),
            ),
            named=named_ids_said,
        )

    def index_patient_names(self, clinic_id: str) -> None:
        """Adds name keys for the clinic's patients that have none (at start, then at most
        every minute from VerifyIdentity)."""
        self._name_keys_checked[clinic_id] = time.monotonic()
        self._add_missing_name_keys(clinic_id)

    def _add_missing_name_keys(self, clinic_id: str) -> None:
        try:
            with self._transaction() as session:
                missing = session.execute(
                    select(PatientRow.id, PatientRow.last_name).where(
                        PatientRow.clinic_id == clinic_id,
                        ~exists().where(PatientNameKeyRow.patient_id == PatientRow.id),
                    )
                ).all()
                session.add_all(
                    PatientNameKeyRow(patient_id=patient_id, key=key)
                    for patient_id, last_name in missing
                    for key in name_keys(last_name)
                )
        except IntegrityError:
            pass  # a concurrent verification added the same keys first

    # --- ListAppointments -----------------------------------------------------------------------

    async def list_appointments(
        self, clinic_id: str, patient_id: str, include_inactive: bool
    ) -> list[Appointment]:
        return await self._run(self._list_appointments, clinic_id, patient_id, include_inactive)

    def _list_appointments(
        self, clinic_id: str, patient_id: str, include_inactive: bool
    ) -> list[Appointment]:
        now = self._clock()
        with Session(self._engine) as session:
            patient = session.get(PatientRow, patient_id)
            if patient is None or patient.clinic_id != clinic_id:
                raise NotFound(f"no patient {patient_id!r} in clinic {clinic_id!r}")
            statement = (
                select(AppointmentRow)
                .where(
                    AppointmentRow.clinic_id == clinic_id, AppointmentRow.patient_id == patient_id
                )
                .order_by(AppointmentRow.start_time, AppointmentRow.created_at)
            )
            if not include_inactive:
                statement = statement.where(
                    AppointmentRow.status == _BOOKED, AppointmentRow.start_time >= now
                )
            return [self._appointment(session, row) for row in session.scalars(statement)]


# --- idempotency records store results as JSON ----------------------------------------------------


def _slot_json(slot: Slot) -> dict[str, Any]:
    return {
        "slot_id": slot.slot_id,
        "clinic_id": slot.clinic_id,
        "provider_id": slot.provider_id,
        "provider_name": slot.provider_name,
        "appointment_type": slot.appointment_type,
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "time_zone": slot.time_zone,
    }


def _appointment_json(appointment: Appointment) -> dict[str, Any]:
    return {
        "appointment_id": appointment.appointment_id,
        "patient_id": appointment.patient_id,
        "slot": _slot_json(appointment.slot),
        "status": appointment.status.value,
        "created_at": appointment.created_at.isoformat(),
        "updated_at": appointment.updated_at.isoformat(),
    }


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _appointment_from_json(data: dict[str, Any]) -> Appointment:
    slot = data["slot"]
    return Appointment(
        appointment_id=data["appointment_id"],
        patient_id=data["patient_id"],
        slot=Slot(
            slot_id=slot["slot_id"],
            clinic_id=slot["clinic_id"],
            provider_id=slot["provider_id"],
            provider_name=slot["provider_name"],
            appointment_type=slot["appointment_type"],
            start=_utc(slot["start"]),
            end=_utc(slot["end"]),
            time_zone=slot["time_zone"],
        ),
        status=AppointmentStatus(data["status"]),
        created_at=_utc(data["created_at"]),
        updated_at=_utc(data["updated_at"]),
    )
