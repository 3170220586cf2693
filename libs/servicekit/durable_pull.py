"""A durable JetStream pull consumer run as a background task: the loop that services which
act on recorded events share (the orchestrator ending calls from hang-ups, the scheduler
revoking proofs at call end).

The consumer is created once under its durable name, so events published while no replica
ran wait in the stream; replicas sharing the name share the work. ``handle`` acks, naks or
terms each message itself.

    consumer = DurablePull(js, subject, durable, handle, name="scheduler-proof-revoker")
    await consumer.start()
    ...
    await consumer.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from servicekit.jetstream import EVENTS_STREAM

log = logging.getLogger(__name__)

Handle = Callable[[Msg], Awaitable[None]]


class DurablePull:
    """Args:
    js: JetStream of the service's connection.
    subject: the stream subject to consume.
    durable: the consumer's name (shared by the service's replicas).
    handle: runs one message and acks, naks or terms it.
    name: the task's name, also used in log lines.
    deliver_policy: where a new consumer starts: NEW (events from its creation on) for acting
        on what happens from now; ALL for a reader that must see what came before it started.
    max_deliver: deliveries of a message its handler keeps failing before it is given up.
    """

    def __init__(
        self,
        js: JetStreamContext,
        subject: str,
        durable: str,
        handle: Handle,
        *,
        name: str,
        stream: str = EVENTS_STREAM,
        batch: int = 32,
        fetch_timeout_s: float = 1.0,
        deliver_policy: DeliverPolicy = DeliverPolicy.NEW,
        max_deliver: int = 10,
    ) -> None:
        self._js = js
        self._subject = subject
        self._durable = durable
        self._handle = handle
        self._name = name
        self._stream = stream
        self._batch = batch
        self._fetch_timeout = fetch_timeout_s
        self._deliver_policy = deliver_policy
        self._max_deliver = max_deliver
        self._subscription: JetStreamContext.PullSubscription | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._subscription = await self._js.pull_subscribe(
            self._subject,
            durable=self._durable,
            stream=self._stream,
            # A failed message is redelivered after ack_wait (or the handler's nak delay).
            config=ConsumerConfig(
                deliver_policy=self._deliver_policy, ack_wait=30, max_deliver=self._max_deliver
            ),
        )
        self._task = asyncio.create_task(self._run(), name=self._name)

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
                log.warning("%s stopped: the NATS connection is closed", self._name)
                return
            except Exception as error:
                log.error("%s cannot fetch from %s: %s", self._name, self._subject, error)
                await asyncio.sleep(1.0)
                continue
            for message in messages:
                await self._handle(message)
