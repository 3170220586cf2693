"""The LlmRouter servicer. Model routing arrives with the LLM dialogue policy; until then every
method answers UNIMPLEMENTED (never a made-up completion)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from frontdesk.v1 import llm_router_pb2, llm_router_pb2_grpc
from servicekit.errors import Unimplemented

_LATER = "the LLM router is not implemented yet; the rules dialogue policy serves calls"


class LlmRouterServicer(llm_router_pb2_grpc.LlmRouterServicer):
    async def Complete(self, request: Any, context: Any) -> llm_router_pb2.CompleteResponse:
        raise Unimplemented(f"Complete: {_LATER}")

    async def StreamComplete(
        self, request: Any, context: Any
    ) -> AsyncIterator[llm_router_pb2.CompleteChunk]:
        raise Unimplemented(f"StreamComplete: {_LATER}")
        yield llm_router_pb2.CompleteChunk()  # unreachable: makes this an async generator

    async def ListRoutes(self, request: Any, context: Any) -> llm_router_pb2.ListRoutesResponse:
        raise Unimplemented(f"ListRoutes: {_LATER}")
