"""Asking the model: ``llm_router``'s ``StreamComplete`` over NATS, like every other service.

``ModelClient`` is the tiny interface the driver needs (one streaming method);
``NatsModel`` is the real one. Errors arrive as ``servicekit.errors`` exceptions: UNAVAILABLE
when every provider is down (or nobody serves llm_router), RESOURCE_EXHAUSTED when the call's
cost cap is reached; the LLM policy then hands the call to the rules policy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from frontdesk.v1 import common_pb2, llm_router_pb2
from orchestrator.dialogue import AskModel, ModelToolCall
from servicekit import BusClient

STREAM_COMPLETE = "frontdesk.llm_router.StreamComplete"


@dataclass(frozen=True)
class ModelChunk:
    delta: str = ""
    tool_calls: tuple[ModelToolCall, ...] = ()


class ModelClient(Protocol):
    def stream(self, ask: AskModel) -> AsyncIterator[ModelChunk]: ...


def complete_request(ask: AskModel, call_id: str, clinic_id: str) -> llm_router_pb2.CompleteRequest:
    return llm_router_pb2.CompleteRequest(
        context=common_pb2.CallContext(call_id=call_id, clinic_id=clinic_id, actor="orchestrator"),
        messages=[
            llm_router_pb2.ChatMessage(
                role=m.role,
                content=m.content,
                tool_call_id=m.tool_call_id,
                tool_calls=[
                    llm_router_pb2.ToolCall(id=c.id, name=c.name, arguments_json=c.arguments_json)
                    for c in m.tool_calls
                ],
            )
            for m in ask.messages
        ],
        tools=[
            llm_router_pb2.Tool(
                name=t.name, description=t.description, parameters_json=t.parameters_json
            )
            for t in ask.tools
        ],
        max_tokens=MAX_TOKENS,
    )


# A spoken reply is a sentence or two; a runaway generation costs money and the caller's time.
MAX_TOKENS = 300


class NatsModel:
    """The model for one call, through llm_router over NATS.

    Args:
        bus: the NATS client.
        call_id, clinic_id: the call (llm_router's cost ledger, canary and cache key on them).
        timeout: the whole completion's deadline, in seconds.
    """

    def __init__(self, bus: BusClient, *, call_id: str, clinic_id: str, timeout: float) -> None:
        self._bus = bus
        self._call_id = call_id
        self._clinic_id = clinic_id
        self._timeout = timeout

    async def stream(self, ask: AskModel) -> AsyncIterator[ModelChunk]:
        request = complete_request(ask, self._call_id, self._clinic_id)
        async for chunk in self._bus.stream(
            STREAM_COMPLETE, request, llm_router_pb2.CompleteChunk, timeout=self._timeout
        ):
            yield ModelChunk(
                delta=chunk.delta,
                tool_calls=tuple(
                    ModelToolCall(c.id, c.name, c.arguments_json or "{}") for c in chunk.tool_calls
                ),
            )
