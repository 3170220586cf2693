"""How the gateway reaches the orchestrator: a small interface, and its NATS implementation.

The call loop (:mod:`gateway.call`) depends only on :class:`OrchestratorClient`, so tests can
drive it with an in-memory orchestrator; production uses :class:`BusOrchestrator`::

    client = BusOrchestrator(runtime.bus)
    claimed = await client.claim(ClaimRequest(...), timeout=3)     # any version answers
    async for event in client.turn(claimed.version, request, timeout=20):
        ...                                                          # pinned version only
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol

from frontdesk.v1 import orchestrator_pb2
from gateway import convert, model
from servicekit import BusClient

CLAIM_SUBJECT = "frontdesk.orchestrator.Claim"


def turn_subject(version: str) -> str:
    """The Turn subject of one orchestrator version (its queue group spans its replicas)."""
    return f"frontdesk.orchestrator.{version}.Turn"


class OrchestratorClient(Protocol):
    """Claim and Turn. Failures raise :mod:`servicekit.errors` exceptions; in particular
    ``Unavailable`` from ``turn`` before any event means the version has no responders."""

    async def claim(self, request: model.ClaimRequest, *, timeout: float) -> model.Claimed: ...

    def turn(
        self, version: str, request: model.TurnRequest, *, timeout: float
    ) -> AsyncGenerator[model.TurnEvent, None]:
        """The reply's events; leaving the loop early cancels the turn at the orchestrator."""
        ...


class BusOrchestrator:
    """:class:`OrchestratorClient` over NATS request/reply (servicekit's BusClient)."""

    def __init__(self, bus: BusClient) -> None:
        self._bus = bus

    async def claim(self, request: model.ClaimRequest, *, timeout: float) -> model.Claimed:
        response = await self._bus.call(
            CLAIM_SUBJECT,
            convert.claim_request(request),
            orchestrator_pb2.ClaimResponse,
            timeout=timeout,
        )
        return convert.claimed(response)

    async def turn(
        self, version: str, request: model.TurnRequest, *, timeout: float
    ) -> AsyncGenerator[model.TurnEvent, None]:
        stream = self._bus.stream(
            turn_subject(version),
            convert.turn_request(request),
            orchestrator_pb2.TurnEvent,
            timeout=timeout,
        )
        try:
            async for message in stream:
                event = convert.turn_event(message)
                if event is not None:
                    yield event
        finally:
            # Close the NATS stream now (it publishes the remote cancel), not at GC time.
            await stream.aclose()  # type: ignore[attr-defined]  # BusClient.stream is a generator
