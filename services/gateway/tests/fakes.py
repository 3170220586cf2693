"""A scripted orchestrator, twice: in memory (domain types, for the call loop's unit tests) and as
a protobuf servicer served over real NATS (for the transport tests). Both answer by input:

- start: "Hello," + " how can I help?" (two chunks)
- "slow": "Let me check." then waits ``slow_seconds`` before the rest (so a barge-in lands)
- "transfer": "Connecting you." + transfer to sip:desk@clinic.example (handoff h-1) + end(handoff)
- "bye": "Goodbye!" + end(contained)
- "fail": the turn fails (INTERNAL)
- "silent": nothing at all
- "unfinished": "Part" without ``last``, and the stream ends
- other text: "[<version>] you said: <text>" in word chunks
- dtmf: "Got <digits>."
- interrupted: "Sorry, go ahead."
- ended: end(abandoned)

Every request is recorded in ``requests`` (with the version that served it); cancelled turns'
ids in ``cancelled``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from frontdesk.v1 import common_pb2, orchestrator_pb2, orchestrator_pb2_grpc
from gateway import model
from servicekit.errors import Internal, Unavailable

TRANSFER_TARGET = "sip:desk@clinic.example"


@dataclass
class ScriptedOrchestrator:
    """In-memory :class:`gateway.orchestrator_client.OrchestratorClient`."""

    version: str = "v1"
    # Versions whose Turn has no responders (rolled back).
    gone: set[str] = field(default_factory=set)
    claim_error: Exception | None = None
    slow_seconds: float = 5.0
    claims: list[model.ClaimRequest] = field(default_factory=list)
    requests: list[tuple[str, model.TurnRequest]] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    # Hang-ups recorded durably: (version, request).
    hung_up: list[tuple[str, model.TurnRequest]] = field(default_factory=list)

    async def claim(self, request: model.ClaimRequest, *, timeout: float) -> model.Claimed:
        self.claims.append(request)
        if self.claim_error is not None:
            raise self.claim_error
        return model.Claimed(self.version, request.clinic_id or "demo")

    async def turn(
        self, version: str, request: model.TurnRequest, *, timeout: float
    ) -> AsyncGenerator[model.TurnEvent, None]:
        if version in self.gone:
            raise Unavailable(f"frontdesk.orchestrator.{version}.Turn: no service is answering")
        self.requests.append((version, request))
        try:
            for event in script(version, request.input):
                if event == "slow":
                    await asyncio.sleep(self.slow_seconds)
                    continue
                yield event
        except (asyncio.CancelledError, GeneratorExit):
            self.cancelled.append(request.turn_id)
            raise

    async def record_hangup(self, version: str, request: model.TurnRequest) -> None:
        self.hung_up.append((version, request))

    def inputs(self) -> list[model.TurnInput]:
        return [request.input for _, request in self.requests]


def script(version: str, given: model.TurnInput) -> list[Any]:
    if isinstance(given, model.StartInput):
        return [model.SayChunk("Hello,", False), model.SayChunk(" how can I help?", True)]
    if isinstance(given, model.DtmfInput):
        return [model.SayChunk(f"Got {given.digits}.", True)]
    if isinstance(given, model.InterruptedInput):
        return [model.SayChunk("Sorry, go ahead.", True)]
    if isinstance(given, model.EndedInput):
        return [model.CallEnd("abandoned")]
    text = given.text
    if text == "slow":
        return [model.SayChunk("Let me check.", False), "slow", model.SayChunk(" Done.", True)]
    if text == "transfer":
        return [
            model.SayChunk("Connecting you.", True),
            model.TransferTo(TRANSFER_TARGET, "h-1", "caller_request", "soon"),
            model.CallEnd("handoff", "h-1"),
        ]
    if text == "bye":
        return [model.SayChunk("Goodbye!", True), model.CallEnd("contained")]
    if text == "fail":
        raise Internal("the turn failed")
    if text == "silent":
        return []
    if text == "unfinished":
        return [model.SayChunk("Part", False)]
    words = f"[{version}] you said: {text}".split()
    return [model.SayChunk(" " + w if i else w, i == len(words) - 1) for i, w in enumerate(words)]


_REASONS = {"caller_request": common_pb2.HANDOFF_REASON_CALLER_REQUEST}
_URGENCY = {"soon": common_pb2.URGENCY_SOON}
_OUTCOMES = {
    "contained": common_pb2.CALL_OUTCOME_CONTAINED,
    "handoff": common_pb2.CALL_OUTCOME_HANDOFF,
    "abandoned": common_pb2.CALL_OUTCOME_ABANDONED,
}


def _domain_input(request: orchestrator_pb2.TurnRequest) -> model.TurnInput:
    kind = request.WhichOneof("input")
    if kind == "start":
        return model.StartInput()
    if kind == "text":
        return model.TextInput(request.text)
    if kind == "dtmf":
        return model.DtmfInput(request.dtmf)
    if kind == "interrupted":
        return model.InterruptedInput(request.interrupted.turn_id, request.interrupted.heard_text)
    return model.EndedInput(request.ended.reason)


def _proto_event(event: model.TurnEvent) -> orchestrator_pb2.TurnEvent:
    if isinstance(event, model.SayChunk):
        say = orchestrator_pb2.Say(text=event.text, last=event.last)
        return orchestrator_pb2.TurnEvent(say=say)
    if isinstance(event, model.TransferTo):
        return orchestrator_pb2.TurnEvent(
            transfer=orchestrator_pb2.TransferTo(
                target=event.target,
                handoff_id=event.handoff_id,
                reason=_REASONS[event.reason],
                urgency=_URGENCY[event.urgency],
            )
        )
    return orchestrator_pb2.TurnEvent(
        end=orchestrator_pb2.CallEnd(outcome=_OUTCOMES[event.outcome], handoff_id=event.handoff_id)
    )


class FakeOrchestratorServicer(orchestrator_pb2_grpc.OrchestratorServicer):
    """The same script as a protobuf servicer, for serving over NATS with servicekit."""

    def __init__(self, version: str, slow_seconds: float = 5.0) -> None:
        self.version = version
        self.slow_seconds = slow_seconds
        self.claims: list[orchestrator_pb2.ClaimRequest] = []
        self.requests: list[orchestrator_pb2.TurnRequest] = []
        self.cancelled: list[str] = []

    async def Claim(self, request: Any, context: Any) -> orchestrator_pb2.ClaimResponse:
        self.claims.append(request)
        return orchestrator_pb2.ClaimResponse(
            version=self.version, clinic_id=request.clinic_id or "demo"
        )

    async def Turn(self, request: Any, context: Any) -> AsyncIterator[orchestrator_pb2.TurnEvent]:
        self.requests.append(request)
        try:
            for event in script(self.version, _domain_input(request)):
                if event == "slow":
                    await asyncio.sleep(self.slow_seconds)
                    continue
                yield _proto_event(event)
        except asyncio.CancelledError:
            self.cancelled.append(request.turn_id)
            raise

    def kinds(self) -> list[str]:
        return [str(r.WhichOneof("input")) for r in self.requests]
