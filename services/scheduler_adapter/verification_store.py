"""Where verification proofs and failed attempts are kept: the scheduler's own database.

The rules are in ``verification``; this only stores and counts. It shares the calendar's
engine (and, on SQLite, its lock), so one database holds the record of truth::

    store = SqlVerificationStore(backend)
    await store.issue(record)
    record = await store.find(proof_hash(proof))
    counts = await store.failure_counts([counter, ...], since)
    await store.revoke_call(clinic_id, call_id)  # the call ended
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from scheduler_adapter.schema import VerificationFailureRow, VerificationProofRow
from scheduler_adapter.sql_backend import SqlBackend
from scheduler_adapter.verification import ProofRecord


class SqlVerificationStore:
    """Proofs and failure counters in the tables ``verification_proofs`` and
    ``verification_failures`` of ``backend``'s database."""

    def __init__(self, backend: SqlBackend) -> None:
        self._backend = backend

    async def issue(self, record: ProofRecord) -> None:
        await self._backend.run(self._issue, record)

    def _issue(self, record: ProofRecord) -> None:
        with Session(self._backend.engine) as session, session.begin():
            session.add(
                VerificationProofRow(
                    proof_hash=record.proof_hash,
                    clinic_id=record.clinic_id,
                    call_id=record.call_id,
                    patient_id=record.patient_id,
                    issued_at=record.issued_at,
                    expires_at=record.expires_at,
                )
            )

    async def find(self, proof_hash: str) -> ProofRecord | None:
        return await self._backend.run(self._find, proof_hash)

    def _find(self, proof_hash: str) -> ProofRecord | None:
        with Session(self._backend.engine) as session:
            row = session.get(VerificationProofRow, proof_hash)
            if row is None:
                return None
            return ProofRecord(
                proof_hash=row.proof_hash,
                clinic_id=row.clinic_id,
                call_id=row.call_id,
                patient_id=row.patient_id,
                issued_at=row.issued_at,
                expires_at=row.expires_at,
            )

    async def record_failure(self, counters: Sequence[str], at: datetime) -> None:
        """Counts one failed attempt against each counter."""
        if counters:
            await self._backend.run(self._record_failure, list(counters), at)

    def _record_failure(self, counters: list[str], at: datetime) -> None:
        with Session(self._backend.engine) as session, session.begin():
            session.add_all(VerificationFailureRow(counter=c, at=at) for c in counters)

    async def failure_counts(self, counters: Sequence[str], since: datetime) -> dict[str, int]:
        """Failures per counter at or after ``since`` (counters without any are absent)."""
        if not counters:
            return {}
        return await self._backend.run(self._failure_counts, list(counters), since)

    def _failure_counts(self, counters: list[str], since: datetime) -> dict[str, int]:
        with Session(self._backend.engine) as session:
            rows = session.execute(
                select(VerificationFailureRow.counter, func.count())
                .where(
                    VerificationFailureRow.counter.in_(counters),
                    VerificationFailureRow.at >= since,
                )
                .group_by(VerificationFailureRow.counter)
            ).all()
        return {counter: int(count) for counter, count in rows}

    async def revoke_call(self, clinic_id: str, call_id: str) -> int:
        """Deletes every proof issued on the call; how many."""
        return await self._backend.run(self._revoke_call, clinic_id, call_id)

    def _revoke_call(self, clinic_id: str, call_id: str) -> int:
        with Session(self._backend.engine) as session, session.begin():
            result = session.execute(
                delete(VerificationProofRow).where(
                    VerificationProofRow.clinic_id == clinic_id,
                    VerificationProofRow.call_id == call_id,
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge(self, now: datetime, failures_before: datetime) -> int:
        """Deletes expired proofs and failures older than ``failures_before``; how many rows."""
        return await self._backend.run(self._purge, now, failures_before)

    def _purge(self, now: datetime, failures_before: datetime) -> int:
        with Session(self._backend.engine) as session, session.begin():
            proofs = session.execute(
                delete(VerificationProofRow).where(VerificationProofRow.expires_at < now)
            )
            failures = session.execute(
                delete(VerificationFailureRow).where(VerificationFailureRow.at < failures_before)
            )
        return int(getattr(proofs, "rowcount", 0) or 0) + int(getattr(failures, "rowcount", 0) or 0)
