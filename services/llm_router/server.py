"""The LlmRouter servicer: protobuf ↔ the router's domain values, nothing else.

Without ``FRONTDESK_LLM_CONFIG`` there are no routes and every method answers UNIMPLEMENTED
with what to set; the rules dialogue policy serves calls meanwhile.
"""

from __future__ import annotations

import json
import math
import re
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


# What a chat-completions API accepts (OpenAI's rules, which the other providers follow). A
# request outside them is the caller's mistake: refused here with INVALID_ARGUMENT, never sent
# to a provider, whose HTTP 400 would cost a round trip on every deployment of the route.
ROLES = ("system", "user", "assistant", "tool")  # the contract's (llm_router.proto)
TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _tool_calls(calls: Any, where: str) -> tuple[ToolCall, ...]:
    found = []
    for index, call in enumerate(calls):
        if not call.id or not TOOL_NAME.match(call.name):
            raise InvalidArgument(
                f"{where}.tool_calls[{index}]: needs an id and a name of 1 to 64 letters, "
                "digits, _ or -"
            )
        found.append(ToolCall(call.id, call.name, call.arguments_json))
    return tuple(found)


def _messages(request: llm_router_pb2.CompleteRequest) -> tuple[Message, ...]:
    messages = []
    for index, m in enumerate(request.messages):
        where = f"messages[{index}]"
        if m.role not in ROLES:
            raise InvalidArgument(f"{where}.role must be one of {', '.join(ROLES)}")
        if m.role == "tool" and not m.tool_call_id:
            raise InvalidArgument(
                f"{where}: a tool message needs the tool_call_id of the call it answers"
            )
        messages.append(
            Message(m.role, m.content, m.tool_call_id, _tool_calls(m.tool_calls, where))
        )
    return tuple(messages)


def _tools(request: llm_router_pb2.CompleteRequest) -> list[dict[str, Any]]:
    tools = []
    for index, tool in enumerate(request.tools):
        if not TOOL_NAME.match(tool.name):
            raise InvalidArgument(f"tools[{index}].name must be 1 to 64 letters, digits, _ or -")
        try:
            parameters = json.loads(tool.parameters_json or "{}")
        except ValueError as error:
            raise InvalidArgument(f"tools[{index}].parameters_json is not JSON: {error}") from error
        if not isinstance(parameters, dict):
            raise InvalidArgument(
                f"tools[{index}].parameters_json must be a JSON Schema object, "
                f"not {type(parameters).__name__}"
            )
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
    return tools


def to_request(request: llm_router_pb2.CompleteRequest) -> Request:
    temperature = request.temperature
    if not (math.isfinite(temperature) and 0 <= temperature <= 2):
        raise InvalidArgument(f"temperature: {temperature!r} is not from 0 to 2 (0: the default)")
    if request.max_tokens < 0:
        raise InvalidArgument(f"max_tokens: {request.max_tokens} is negative (0: the default)")
    return Request(
        call_id=request.context.call_id,
        clinic=request.context.clinic_id,
        route=request.route,
        messages=_messages(request),
        tools=tuple(_tools(request)),
        # proto3 cannot tell 0 from unset: 0 means the provider's default.
        temperature=temperature or None,
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
