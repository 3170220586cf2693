"""A handoff names a patient only when the call proved it: the packet's ``patient_id`` is checked
against the call's verification proof by the scheduler (``Scheduler.CheckVerification``), never
taken on the creating client's word.

    check = SchedulerPatientCheck(runtime.bus)
    proven = await check(context, "pat-7")   # True: proven; False: could not be checked now
                                             # PermissionDenied: the proof does not prove it

When the scheduler cannot answer, the handoff is still created (it is the caller's way to a
person) but without the patient link: the agent verifies the caller again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from frontdesk.v1 import common_pb2, scheduler_pb2
from servicekit import BusClient
from servicekit.errors import DeadlineExceeded, Unavailable

log = logging.getLogger(__name__)

SUBJECT = "frontdesk.scheduler_adapter.CheckVerification"
PatientCheck = Callable[[common_pb2.CallContext, str], Awaitable[bool]]


async def never_proven(context: common_pb2.CallContext, patient_id: str) -> bool:
    """Without a scheduler to ask, no patient id is taken: every link is dropped."""
    return False


class SchedulerPatientCheck:
    """Asks the scheduler over NATS whether ``context.verification_proof`` proves the patient."""

    def __init__(self, bus: BusClient, *, timeout: float = 2.0) -> None:
        self._bus = bus
        self._timeout = timeout

    async def __call__(self, context: common_pb2.CallContext, patient_id: str) -> bool:
        try:
            await self._bus.call(
                SUBJECT,
                scheduler_pb2.CheckVerificationRequest(context=context, patient_id=patient_id),
                scheduler_pb2.CheckVerificationResponse,
                timeout=self._timeout,
            )
        except (Unavailable, DeadlineExceeded) as error:
            log.warning(
                "the scheduler could not check a handoff's patient id: created without it (%s)",
                type(error).__name__,
            )
            return False
        return True
