"""Verification proofs and lockouts: pure rules, no I/O (``verification_store`` keeps the rows).

A successful ``VerifyIdentity`` issues a *proof*: a random secret handed to the caller, of which
the scheduler keeps only the SHA-256 with the call, clinic, patient and expiry. Every read or
write of patient data must present it (``CallContext.verification_proof``); ``proof_denial``
says why one is refused. Nothing the client claims (``verified_patient_id``) is trusted.

Failed verifications are counted across calls per caller number and per patient record (the
records whose name was said) within a window; ``LockoutPolicy.refuses`` says when to stop
answering::

    proof = new_proof()
    store.issue(ProofRecord(proof_hash(proof), clinic, call, patient, issued, expires))
    ...
    reason = proof_denial(store.find(proof_hash(presented)), caller, patient_id, now)
    if reason: raise PermissionDenied(reason)
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler_adapter.domain import Caller

# 256 bits: a proof cannot be guessed, only stolen.
_PROOF_BYTES = 32


@dataclass(frozen=True)
class ProofRecord:
    """What the scheduler remembers of an issued proof."""

    proof_hash: str
    clinic_id: str
    call_id: str
    patient_id: str
    issued_at: datetime
    expires_at: datetime


def new_proof() -> str:
    """A fresh proof secret (URL-safe text)."""
    return secrets.token_urlsafe(_PROOF_BYTES)


def proof_hash(proof: str) -> str:
    """The stored form of a proof: hex SHA-256."""
    return hashlib.sha256(proof.encode()).hexdigest()


def proof_denial(
    record: ProofRecord | None, caller: Caller, patient_id: str, now: datetime
) -> str | None:
    """Why ``caller`` may not touch ``patient_id``'s data with the proof it presented (whose
    stored record is ``record``, None when unknown); None when it may."""
    if not caller.verification_proof:
        return (
            "this request carries no verification proof: call VerifyIdentity on this call and "
            "pass the proof it returns in context.verification_proof"
        )
    if record is None:
        return (
            "the verification proof is not one this scheduler issued, or its call has ended "
            "(forged, from another system, or revoked at hangup): verify the caller's identity "
            "again on a live call"
        )
    if record.clinic_id != caller.clinic_id or record.call_id != caller.call_id:
        return (
            "the verification proof was issued for another call: verify the caller's identity "
            "on this call"
        )
    if now >= record.expires_at:
        return (
            f"the verification proof expired at {record.expires_at.isoformat()}: verify the "
            "caller's identity again"
        )
    if record.patient_id != patient_id:
        return (
            "the verification proof is for a different patient than the one asked about: "
            "a call may only touch the records of the patient it verified"
        )
    if caller.verified_patient_id and caller.verified_patient_id != record.patient_id:
        return (
            "context.verified_patient_id disagrees with the verification proof: send the "
            "patient id VerifyIdentity returned, or leave it empty"
        )
    return None


@dataclass(frozen=True)
class LockoutPolicy:
    """How many failed verifications are allowed within ``window``.

    Args:
        max_failures_per_number: per caller number (calls with a withheld number are limited
            per patient record only).
        max_failures_per_patient: per patient record whose name was said with a wrong date of
            birth (guessing one person's birth date from many numbers).
        window: how far back failures per caller number count.
        patient_window: how far back failures per patient record count. Longer than
            ``window``: at 5 a day, guessing a birth date within even one year takes months,
            where 5 an hour would take days.
    """

    max_failures_per_number: int = 5
    max_failures_per_patient: int = 5
    window: timedelta = timedelta(hours=1)
    patient_window: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        if self.max_failures_per_number < 1 or self.max_failures_per_patient < 1:
            raise ValueError("the failure limits must be at least 1")
        if self.window <= timedelta(0) or self.patient_window <= timedelta(0):
            raise ValueError("the lockout windows must be positive")

    @property
    def longest_window(self) -> timedelta:
        return max(self.window, self.patient_window)

    def refuses(self, number_failures: int, patient_failures: int) -> bool:
        """Whether an attempt is refused, given the failures already counted in the window
        for its caller number and for the most-attacked of its patient records."""
        return (
            number_failures >= self.max_failures_per_number
            or patient_failures >= self.max_failures_per_patient
        )


LOCKED_OUT = (
    "identity verification is paused after too many failed attempts for this caller number "
    "or patient record; transfer the caller to clinic staff, who can verify them another way"
)


def number_counter(clinic_id: str, caller_number: str) -> str:
    """The failure counter of a caller number (hashed: no phone number is stored for it)."""
    return _counter(clinic_id, "number", caller_number)


def patient_counter(clinic_id: str, patient_id: str) -> str:
    """The failure counter of a patient record."""
    return _counter(clinic_id, "patient", patient_id)


def _counter(clinic_id: str, kind: str, value: str) -> str:
    return hashlib.sha256("\x1f".join((clinic_id, kind, value)).encode()).hexdigest()
