"""The ``kill_booking_writes`` switch: while it is on (for the call's context), the scheduler
refuses every booking write (hold, book, cancel, reschedule) with UNAVAILABLE and a message that
starts with ``servicekit.flags.WRITES_PAUSED``, whoever asks: the orchestrator, an agent desk,
a clinic's system. The dialogue hands the caller to staff on that message; reads (find slots,
verify identity, list appointments) go on. The scheduler is the one place every write passes,
so a switch checked here cannot be missed by a client that forgot to ask.

    servicer = GatedScheduler(build_servicer(...), flags)
"""

from __future__ import annotations

from frontdesk.v1 import common_pb2, scheduler_pb2
from frontdesk.v1.common_pb2 import Appointment as AppointmentPb
from scheduler_adapter.server import SchedulerServicer
from servicekit.errors import Unavailable
from servicekit.flags import KILL_BOOKING_WRITES, WRITES_PAUSED, Flags


def check_writes(flags: Flags | None, context: common_pb2.CallContext) -> None:
    """Raises Unavailable while the switch is on for this call."""
    if flags is not None and flags.is_enabled(
        KILL_BOOKING_WRITES, call_id=context.call_id, clinic=context.clinic_id
    ):
        raise Unavailable(
            f"{WRITES_PAUSED}: the {KILL_BOOKING_WRITES} switch is on; "
            "hand the caller to staff, who can book by hand"
        )


class GatedScheduler(SchedulerServicer):
    """``inner``'s scheduler with its writes behind the switch."""

    def __init__(self, inner: SchedulerServicer, flags: Flags | None) -> None:
        super().__init__(inner.service)
        self._flags = flags

    async def HoldSlot(
        self, request: scheduler_pb2.HoldSlotRequest, context: object
    ) -> scheduler_pb2.Hold:
        check_writes(self._flags, request.context)
        return await super().HoldSlot(request, context)

    async def Book(self, request: scheduler_pb2.BookRequest, context: object) -> AppointmentPb:
        check_writes(self._flags, request.context)
        return await super().Book(request, context)

    async def Cancel(self, request: scheduler_pb2.CancelRequest, context: object) -> AppointmentPb:
        check_writes(self._flags, request.context)
        return await super().Cancel(request, context)

    async def Reschedule(
        self, request: scheduler_pb2.RescheduleRequest, context: object
    ) -> scheduler_pb2.RescheduleResponse:
        check_writes(self._flags, request.context)
        return await super().Reschedule(request, context)
