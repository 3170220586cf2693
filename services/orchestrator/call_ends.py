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

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import nats.errors
from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from frontdesk.v1 import events_pb2, orchestrator_pb2
from servicekit.errors import NotFound
from servicekit.jetstream import EVENTS_STREAM

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
        self._js = js
        self._end_call = end_call
        self._durable = durable
        self._batch = batch
        self._fetch_timeout = fetch_timeout_s
        self._subscription: JetStreamContext.PullSubscription | None = None
        self._task: asyncio.Task[None] | None = None
        self.ended = 0  # hang-ups handled (tests, debugging)

    async def start(self) -> None:
        self._subscription = await self._js.pull_subscribe(
            SUBJECT,
            durable=self._durable,
            stream=EVENTS_STREAM,
            # Created once; from then on hang-ups wait in the stream while no replica runs.
            config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW, ack_wait=30, max_deliver=10),
        )
        self._task = asyncio.create_task(self._run(), name="orchestrator-call-ends")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            with contextlib.suppress(Exception):  # the connection may already be closed
                await subscription.unsubscribe()

    async def _run(self) -> None:
        assert self._subscription is not None
        while True:
            try:
                messages = await self._subscription.fetch(self._batch, timeout=self._fetch_timeout)
            except (nats.errors.TimeoutError, TimeoutError):
                continue
            except nats.errors.ConnectionClosedError:
                log.warning("call-end consumer stopped: the NATS connection is closed")
                return
            except Exception as error:
                log.error("call-end consumer cannot fetch hang-ups: %s", error)
                await asyncio.sleep(1.0)
                continue
            for message in messages:
                await self._handle(message)

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
