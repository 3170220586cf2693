"""Takes calls: checks the first message, admits or refuses, runs each call, drains on shutdown.

    switchboard = Switchboard(
        BusOrchestrator(runtime.bus), PrometheusRecorder(runtime.metrics, version), clinics,
        capacity=100, policy=CallPolicy(), drain_timeout=30,
    )
    async for output in switchboard.converse(caller_messages):   # one call
        ...
    await switchboard.drain()                                      # on SIGTERM

A refused call (over capacity, while the stack is overloaded — ``load_guard`` — or while
draining) is never just dropped: the caller hears a short busy message, is transferred to the
clinic's default target, and the call ends (``calls_total{outcome="refused"}``). While
draining, live calls go on until they end or ``drain_timeout`` passes; then each gets a short
"please call back" and ends.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from clinic import ClinicDirectory, ClinicNotFound
from gateway import model
from gateway.admission import Admission
from gateway.call import Call, CallPolicy, Clock
from gateway.load_guard import LoadGuard
from gateway.orchestrator_client import OrchestratorClient
from gateway.recording import CallRecorder
from servicekit.errors import InvalidArgument

log = logging.getLogger(__name__)

BUSY_MESSAGE = (
    "All of our lines are busy right now. Please hold while I transfer you to our front desk."
)
# How long calls that were cut off at the drain timeout get to send their goodbye.
CUT_OFF_GRACE = 5.0


class Switchboard:
    """Every call of this gateway replica."""

    def __init__(
        self,
        orchestrator: OrchestratorClient,
        recorder: CallRecorder,
        clinics: ClinicDirectory,
        *,
        capacity: int,
        policy: CallPolicy,
        drain_timeout: float,
        busy_message: str = BUSY_MESSAGE,
        fallback_transfer_target: str = "",
        clock: Clock = time.monotonic,
        guard: LoadGuard | None = None,
    ) -> None:
        self._orchestrator = orchestrator
        self._guard = guard
        self._recorder = recorder
        self._clinics = clinics
        self._admission = Admission(capacity)
        self._policy = policy
        self._drain_timeout = drain_timeout
        self._busy_message = busy_message
        self._fallback_target = fallback_transfer_target
        self._clock = clock
        self._live: dict[asyncio.Task[None], Call] = {}

    @property
    def admission(self) -> Admission:
        return self._admission

    def transfer_target(self, clinic_id: str, called_number: str) -> str | None:
        """The clinic's default transfer target, else the configured fallback (or None)."""
        try:
            return self._clinics.resolve(clinic_id, called_number).transfer_targets.default
        except ClinicNotFound:
            log.warning("no clinic for a call: using the fallback transfer target")
            return self._fallback_target or None

    async def converse(
        self, inputs: AsyncIterator[model.Setup | model.CallerInput]
    ) -> AsyncIterator[model.CallerOutput]:
        """One call: ``setup`` first, then caller input; yields what to send back."""
        first = await anext(inputs, None)
        if first is None:
            return  # the telephony side opened and closed the stream: nothing to do
        if not isinstance(first, model.Setup):
            raise InvalidArgument(
                f"the first message of a call must be `setup`, not `{type(first).__name__.lower()}`"
            )
        if not first.call_id:
            raise InvalidArgument("setup.call_id is empty: send the telephony gateway's call id")
        overload = self._guard.overloaded() if self._guard is not None else None
        if overload is not None or not self._admission.try_admit():
            for output in self._refusal(first, overload):
                yield output
            return
        call = Call(
            setup=first,
            orchestrator=self._orchestrator,
            recorder=self._recorder,
            policy=self._policy,
            transfer_target=lambda clinic_id: self.transfer_target(clinic_id, first.to_number),
            clock=self._clock,
        )
        task = asyncio.create_task(call.run(inputs))
        self._live[task] = call
        task.add_done_callback(self._finished)
        try:
            async for output in call.outputs():
                yield output
        finally:
            if not task.done():  # the telephony side went away (cancelled the stream)
                call.abandon("cancelled")

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._live.pop(task, None)
        self._admission.release()
        if not task.cancelled() and task.exception() is not None:
            log.error("a call task failed (%s)", type(task.exception()).__name__)

    def _refusal(self, setup: model.Setup, overload: str | None) -> list[model.CallerOutput]:
        if self._admission.draining:
            why = "draining"
        elif overload is not None:
            why = "overload"
        else:
            why = "capacity"
        log.warning(
            "call refused",
            extra={
                "call_id": setup.call_id,
                "why": why,
                "live": self._admission.live,
                "load": overload or "",
            },
        )
        self._recorder.call("", "refused")
        outputs: list[model.CallerOutput] = [
            model.Speak(self._busy_message, last=True, interruptible=False)
        ]
        target = self.transfer_target(setup.clinic_id, setup.to_number)
        if target:
            outputs.append(
                model.TransferCall(target, "", {"reason": "capacity", "urgency": "routine"})
            )
        outputs.append(model.EndCall({"outcome": "refused", "reason": why}))
        return outputs

    async def drain(self) -> None:
        """Stops admitting; lets live calls finish within the drain timeout, then cuts them off."""
        self._admission.start_draining()
        live = self._admission.live
        log.info("draining", extra={"live_calls": live, "timeout_s": self._drain_timeout})
        if await self._admission.wait_idle(self._drain_timeout):
            log.info("drained: no live calls")
            return
        calls = list(self._live.values())
        log.warning("drain timeout: cutting off live calls", extra={"live_calls": len(calls)})
        for call in calls:
            call.cut_off()
        if not await self._admission.wait_idle(CUT_OFF_GRACE):
            for task in list(self._live):
                task.cancel()
            await asyncio.gather(*self._live, return_exceptions=True)
