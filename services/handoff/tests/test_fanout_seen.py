"""The hub offers each handoff once, though it reaches the hub twice on the replica that
created it (directly and through the replica relay), and forgets old ids within its bound."""

from __future__ import annotations

import asyncio
import dataclasses

from handoff.fanout import WatchHub

from .conftest import full_packet


async def test_a_packet_is_offered_once() -> None:
    hub = WatchHub(queue_size=10)
    packet = full_packet(handoff_id="h-1")
    async with hub.subscribe("demo") as watcher:
        assert hub.publish(packet) is True
        assert hub.publish(dataclasses.replace(packet, summary="again")) is False
        assert hub.seen("h-1") and not hub.seen("h-2")
        assert await asyncio.wait_for(watcher.__anext__(), 1) == packet
        hub.publish(full_packet(handoff_id="h-2"))
        assert (await asyncio.wait_for(watcher.__anext__(), 1)).handoff_id == "h-2"


def test_remembered_ids_are_bounded() -> None:
    hub = WatchHub(queue_size=10, remember=2)
    for handoff_id in ("a", "b", "c"):
        hub.publish(full_packet(handoff_id=handoff_id))
    assert not hub.seen("a") and hub.seen("b") and hub.seen("c")
