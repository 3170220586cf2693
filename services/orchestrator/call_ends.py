"""Ends calls from the gateway's recorded hang-ups, so no call end is lost to a busy moment.

The gateway publishes ``call_hung_up`` on the ``events`` stream before it tells the orchestrator
directly (with a short deadline). A durable pull consumer shared by the replicas (every version:
ending a call needs only its session) runs each hang-up as the ``ended`` turn the gateway asked
for: outcome recorded, holds released, session minimised, ``CallCompleted`` published. Ending
is idempotent — the turn id is the direct request's, an ended session is left alone, and
``CallCompleted`` carries a JetStream message id — so when both paths arrive the call still
ends once. A hang-up that fails is redelivered (up to ``max_deliver``); one for a session that no
longer exists is done.

    ends = CallEndConsumer(runtime.js, end_call=servicer.end_call)
    await ends.start()
    ...
    await ends.stop()
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable

from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from frontdesk.v1 import events_pb2, orchestrator_pb2
from servicekit.durable_pull import DurablePull
from servicekit.errors import NotFound

log = logging.getLogger(__name__)

SUBJECT = "frontdesk.events.call_hung_up"
DURABLE = "orchestrator_call_ends"
EndCall = Callable[[orchestrator_pb2.TurnRequest], Awaitable[None]]


def ended_turn(hung_up: events_pb2.CallHungUp) -> orchestrator_pb2.TurnRequest:
    """The ``ended`` turn a recorded hang-up stands for."""
    request = orchestrator_pb2.TurnRequest(call_id=hung_up.call_id, turn_id=hung_up.turn_id)
    request.ended.reason = hung_up.reason or "caller"
    return request


class CallEndConsumer:
    """Args:
    js: JetStream of the orchestrator's connection.
    end_call: runs one ``ended`` turn to its end (the servicer's).
    """

    def __init__(
        self,
        js: JetStreamContext,
        end_call: EndCall,
        *,
        durable: str = DURABLE,
        batch: int = 32,
        fetch_timeout_s: float = 1.0,
    ) -> None:
        self._end_call = end_call
        self.ended = 0  # hang-ups handled (tests, debugging)
        self._consumer = DurablePull(
            js,
            SUBJECT,
            durable,
            self._handle,
            name="orchestrator-call-ends",
            batch=batch,
            fetch_timeout_s=fetch_timeout_s,
        )

    async def start(self) -> None:
        # From then on hang-ups wait in the stream while no replica runs.
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()

    async def _handle(self, message: Msg) -> None:
        try:
            hung_up = events_pb2.CallHungUp.FromString(message.data)
        except DecodeError:
            log.error("a call_hung_up event that is not a CallHungUp message: dropped")
            await message.term()
            return
        if not hung_up.call_id:
            await message.ack()
            return
        try:
            await self._end_call(ended_turn(hung_up))
        except NotFound:
            pass  # no session (expired, or never claimed): nothing left to end
        except Exception:
            log.exception("ending a call from its recorded hang-up failed")
            with contextlib.suppress(Exception):
                await message.nak(delay=2)
            return
        self.ended += 1
        await message.ack()
