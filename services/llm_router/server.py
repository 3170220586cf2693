"""The LlmRouter servicer: protobuf ↔ the router's domain values, nothing else.

Without ``FRONTDESK_LLM_CONFIG`` there are no routes and every method answers UNIMPLEMENTED
with what to set; the rules dialogue policy serves calls meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from frontdesk.v1 import llm_router_pb2, llm_router_pb2_grpc
from llm_router.routing import ModelRouter
from llm_router.types import Chunk, Message, Request, ToolCall, Usage
from servicekit.errors import InvalidArgument, Unimplemented

_NO_CONFIG = (
    "no model routes are configured: set FRONTDESK_LLM_CONFIG to a litellm-format YAML "
    "(model_list, router_settings, frontdesk); the rules dialogue policy serves calls meanwhile"
)


def _tool_calls(calls: Any) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(c.id, c.name, c.arguments_json) for c in calls)


def to_request(request: llm_router_pb2.CompleteRequest) -> Request:
    tools = []
    for tool in request.tools:
        try:
            parameters = json.loads(tool.parameters_json or "{}")
        except ValueError as error:
            raise InvalidArgument(
                f"tools[{tool.name}].parameters_json is not JSON: {error}"
            ) from error
        tools.append(
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": parameters,
                },
            }
        )
    return Request(
        call_id=request.context.call_id,
        clinic=request.context.clinic_id,
        route=request.route,
        messages=tuple(
            Message(m.role, m.content, m.tool_call_id, _tool_calls(m.tool_calls))
            for m in request.messages
        ),
        tools=tuple(tools),
        # proto3 cannot tell 0 from unset: 0 means the provider's default.
        temperature=request.temperature or None,
        max_tokens=request.max_tokens or None,
        deadline_s=request.deadline_ms / 1000.0 if request.deadline_ms > 0 else None,
        ttft_budget_s=request.ttft_budget_ms / 1000.0 if request.ttft_budget_ms > 0 else None,
        clinic_faq=request.clinic_faq,
    )


def _calls(calls: tuple[ToolCall, ...]) -> list[llm_router_pb2.ToolCall]:
    return [
        llm_router_pb2.ToolCall(id=c.id, name=c.name, arguments_json=c.arguments_json)
        for c in calls
    ]


def _usage(usage: Usage) -> llm_router_pb2.Usage:
    return llm_router_pb2.Usage(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cost_usd=usage.cost_usd,
        call_cost_usd=usage.call_cost_usd,
    )


def _chunk(chunk: Chunk) -> llm_router_pb2.CompleteChunk:
    message = llm_router_pb2.CompleteChunk(
        delta=chunk.delta,
        tool_calls=_calls(chunk.tool_calls),
        finish_reason=chunk.finish_reason,
        provider=chunk.provider,
        model=chunk.model,
    )
    if chunk.usage is not None:
        message.usage.CopyFrom(_usage(chunk.usage))
    return message


class LlmRouterServicer(llm_router_pb2_grpc.LlmRouterServicer):
    def __init__(self, router: ModelRouter | None = None) -> None:
        self._router = router

    def _need(self, method: str) -> ModelRouter:
        if self._router is None:
            raise Unimplemented(f"{method}: {_NO_CONFIG}")
        return self._router

    async def Complete(self, request: Any, context: Any) -> llm_router_pb2.CompleteResponse:
        router = self._need("Complete")
        done = await router.complete(to_request(request))
        return llm_router_pb2.CompleteResponse(
            message=llm_router_pb2.ChatMessage(
                role=done.message.role,
                content=done.message.content,
                tool_calls=_calls(done.message.tool_calls),
            ),
            provider=done.provider,
            model=done.model,
            usage=_usage(done.usage),
            ttft_ms=done.ttft_s * 1000.0,
            finish_reason=done.finish_reason,
            cached=done.cached,
        )

    async def StreamComplete(
        self, request: Any, context: Any
    ) -> AsyncIterator[llm_router_pb2.CompleteChunk]:
        router = self._need("StreamComplete")
        async for chunk in router.stream(to_request(request)):
            yield _chunk(chunk)

    async def ListRoutes(self, request: Any, context: Any) -> llm_router_pb2.ListRoutesResponse:
        router = self._need("ListRoutes")
        return llm_router_pb2.ListRoutesResponse(
            routes=[
                llm_router_pb2.Route(
                    name=route.name,
                    deployments=[
                        llm_router_pb2.Deployment(
                            provider=d.provider,
                            model=d.model,
                            weight=d.weight,
                            healthy=d.healthy,
                            breaker_state=d.breaker_state,
                        )
                        for d in route.deployments
                    ],
                )
                for route in router.routes()
            ]
        )
