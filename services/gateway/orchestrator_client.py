"""How the gateway reaches the orchestrator: a small interface, and its NATS implementation.

The call loop (:mod:`gateway.call`) depends only on :class:`OrchestratorClient`, so tests can
drive it with an in-memory orchestrator; production uses :class:`BusOrchestrator`::

    client = BusOrchestrator(runtime.bus)
    claimed = await client.claim(ClaimRequest(...), timeout=3)     # any version answers
    async for event in client.turn(claimed.version, request, timeout=20):
        ...                                                          # pinned version only
    await client.record_hangup(claimed.version, ended_request)      # durably, on JetStream
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol

from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry import context as otel_context
from opentelemetry import trace

from frontdesk.v1 import events_pb2, orchestrator_pb2
from gateway import convert, model
from servicekit import BusClient
from servicekit.errors import Unavailable
from servicekit.events import EventPublisher

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

    async def record_hangup(self, version: str, request: model.TurnRequest) -> None:
        """Records the hang-up (an ``ended`` turn) durably, for the orchestrator to end the
        call even when it cannot be told directly (``call_hung_up`` on the events stream)."""
        ...


class BusOrchestrator:
    """:class:`OrchestratorClient` over NATS request/reply (servicekit's BusClient).

    Each turn is the root of its own trace (``gateway.turn``, linked to the call's span): a call
    lasts minutes, a turn is what the latency SLO is about, so one trace per turn.
    """

    def __init__(
        self,
        bus: BusClient,
        tracer: trace.Tracer | None = None,
        events: EventPublisher | None = None,
    ) -> None:
        self._bus = bus
        self._tracer = tracer or trace.get_tracer(__name__)
        self._events = events

    async def record_hangup(self, version: str, request: model.TurnRequest) -> None:
        if self._events is None:
            raise Unavailable("no events stream to record the hang-up on")
        reason = request.input.reason if isinstance(request.input, model.EndedInput) else ""
        now = Timestamp()
        now.GetCurrentTime()
        await self._events.event(
            "call_hung_up",
            events_pb2.CallHungUp(
                call_id=request.call_id,
                turn_id=request.turn_id,
                reason=reason,
                orchestrator_version=version,
                time=now,
            ),
            msg_id=f"call_hung_up:{request.call_id}",
        )

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
        call_span = trace.get_current_span()
        span = self._tracer.start_span(
            "gateway.turn",
            context=otel_context.Context(),  # a new trace, not a child of the call's
            links=[trace.Link(call_span.get_span_context())]
            if call_span.get_span_context().is_valid
            else None,
            attributes={
                "frontdesk.call_id": request.call_id,
                "frontdesk.turn_id": request.turn_id,
                "frontdesk.orchestrator_version": version,
            },
        )
        turn_context = trace.set_span_in_context(span)
        stream = self._bus.stream(
            turn_subject(version),
            convert.turn_request(request),
            orchestrator_pb2.TurnEvent,
            timeout=timeout,
        )
        try:
            while True:
                # The turn's context is current only while the stream runs (it publishes the
                # request with the trace headers), never across a yield to the caller.
                token = otel_context.attach(turn_context)
                try:
                    message = await anext(stream)
                except StopAsyncIteration:
                    break
                finally:
                    otel_context.detach(token)
                event = convert.turn_event(message)
                if event is not None:
                    yield event
        except Exception as error:  # a caller leaving early (barge-in) is not an error
            span.record_exception(error)
            span.set_status(trace.StatusCode.ERROR, type(error).__name__)
            raise
        finally:
            # Close the NATS stream now (it publishes the remote cancel), not at GC time.
            await stream.aclose()  # type: ignore[attr-defined]  # BusClient.stream is a generator
            span.end()
