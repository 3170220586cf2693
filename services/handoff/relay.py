"""Handoffs created on other replicas, brought to this replica's watchers.

An agent desk's ``Watch`` stream is served by one replica, but ``Create`` lands on whichever
replica the queue group picks. Every replica therefore follows the ``handoff_created`` events
on JetStream (an ordered consumer from "now on": one per replica, no queue group, so each sees
every event) and offers the packet to its own watchers. The event carries only the id that
matters here; the packet itself — with the caller's name and summary — is read from the shared
database, the record of truth, so no PHI travels on the bus for this.

    relay = ReplicaRelay(runtime.js, servicer.hub, load=servicer_load)
    await relay.start()
    ...
    await relay.stop()
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from frontdesk.v1 import events_pb2
from handoff.fanout import WatchHub
from handoff.packet import Packet
from servicekit.errors import NotFound

log = logging.getLogger(__name__)

CREATED_SUBJECT = "frontdesk.events.handoff_created"


class ReplicaRelay:
    """Args:
    js: JetStream of this replica's NATS connection.
    hub: this replica's watcher fan-out.
    load: reads a packet by handoff id from the shared store (raises ``NotFound``).
    """

    def __init__(
        self,
        js: JetStreamContext,
        hub: WatchHub,
        load: Callable[[str], Awaitable[Packet]],
        subject: str = CREATED_SUBJECT,
    ) -> None:
        self._js = js
        self._hub = hub
        self._load = load
        self._subject = subject
        self._subscription: Any = None

    async def start(self) -> None:
        self._subscription = await self._js.subscribe(
            self._subject,
            cb=self._on_created,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW,
        )

    async def stop(self) -> None:
        if self._subscription is not None:
            subscription, self._subscription = self._subscription, None
            await subscription.unsubscribe()

    async def _on_created(self, msg: Any) -> None:
        try:
            event = events_pb2.HandoffCreated.FromString(msg.data)
        except Exception:
            log.warning("ignored a handoff_created event that does not parse")
            return
        if not event.handoff_id or self._hub.seen(event.handoff_id):
            return  # created on this replica: its watchers have it already
        try:
            packet = await self._load(event.handoff_id)
        except NotFound:
            # Replicas on separate databases (a local set-up) cannot share handoffs.
            log.warning("handoff %s is not in this replica's database", event.handoff_id)
            return
        self._hub.publish(packet)
