"""In-process fan-out of new handoffs to watchers (agent desks).

Each watcher has its own bounded queue. ``publish`` never waits: it puts the packet in every
matching queue with ``put_nowait``, so one slow watcher cannot hold up ``Create`` or the other
watchers. A watcher whose queue overflows is not silently skipped: it receives what was already
queued and then its iteration raises ``ResourceExhausted`` telling it to List and watch again.

::

    hub = WatchHub(queue_size=100)
    async with hub.subscribe(clinic_id="demo") as watcher:   # "" watches every clinic
        async for packet in watcher:
            ...
    hub.publish(packet)          # from Create, and from the replica relay (``handoff.relay``)
    hub.close()                  # on shutdown: every watcher's iteration ends

A packet reaches the hub twice on the replica that created it (directly, then through the
relay); the hub remembers the last ``remember`` handoff ids and offers each packet once.

Leaving the ``async with`` (the client went away, the task was cancelled, the generator was
closed) unsubscribes.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from handoff.packet import Packet
from servicekit.errors import ResourceExhausted

_CLOSED: Final = object()


class Watcher:
    """One subscriber's queue; iterate it for packets."""

    def __init__(self, clinic_id: str, queue_size: int) -> None:
        self.clinic_id = clinic_id
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=queue_size)
        self._overflowed = False
        self._closed = False

    def wants(self, packet: Packet) -> bool:
        return not self.clinic_id or packet.clinic_id == self.clinic_id

    def offer(self, packet: Packet) -> None:
        """Queue ``packet`` without waiting; mark the watcher overflowed when its queue is full."""
        if self._overflowed or self._closed:
            return
        try:
            self._queue.put_nowait(packet)
        except asyncio.QueueFull:
            self._overflowed = True

    def close(self) -> None:
        """End this watcher's iteration (anything queued is dropped)."""
        self._closed = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_CLOSED)

    def __aiter__(self) -> Watcher:
        return self

    async def __anext__(self) -> Packet:
        if self._overflowed and self._queue.empty():
            raise ResourceExhausted(
                "this watcher fell behind and missed new handoffs; "
                "list open handoffs, then watch again"
            )
        item = await self._queue.get()
        if item is _CLOSED:
            raise StopAsyncIteration
        assert isinstance(item, Packet)
        return item


class WatchHub:
    """Fans new handoffs out to the watchers subscribed in this process."""

    def __init__(self, queue_size: int = 100, remember: int = 4096) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._queue_size = queue_size
        self._watchers: set[Watcher] = set()
        self._remember = max(1, remember)
        self._seen: OrderedDict[str, None] = OrderedDict()

    @property
    def watcher_count(self) -> int:
        return len(self._watchers)

    @asynccontextmanager
    async def subscribe(self, clinic_id: str = "") -> AsyncIterator[Watcher]:
        """A watcher for one clinic's new handoffs ("" for all), removed on exit."""
        watcher = Watcher(clinic_id, self._queue_size)
        self._watchers.add(watcher)
        try:
            yield watcher
        finally:
            self._watchers.discard(watcher)

    def seen(self, handoff_id: str) -> bool:
        """Whether the packet with this id was already offered to the watchers."""
        return handoff_id in self._seen

    def publish(self, packet: Packet) -> bool:
        """Offer ``packet`` to every interested watcher; never blocks. False (and nothing
        offered) when a packet with the same handoff id was offered before."""
        if packet.handoff_id:
            if packet.handoff_id in self._seen:
                return False
            self._seen[packet.handoff_id] = None
            while len(self._seen) > self._remember:
                self._seen.popitem(last=False)
        for watcher in list(self._watchers):
            if watcher.wants(packet):
                watcher.offer(packet)
        return True

    def close(self) -> None:
        """End every watcher's iteration (on shutdown)."""
        for watcher in list(self._watchers):
            watcher.close()
