"""gRPC server interceptors, one concern each: errors to statuses, and client tokens."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import grpc

from servicekit.errors import ServiceError

log = logging.getLogger(__name__)
Continuation = Callable[
    [grpc.HandlerCallDetails], Awaitable["grpc.RpcMethodHandler[Any, Any] | None"]
]


def _wrap(
    handler: grpc.RpcMethodHandler[Any, Any],
    unary: Callable[[Any], Any],
    streaming: Callable[[Any], Any],
) -> grpc.RpcMethodHandler[Any, Any]:
    """The same handler with its behaviour wrapped (unary responses or streamed responses)."""
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(
            unary(handler.unary_unary),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(
            streaming(handler.unary_stream),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(
            unary(handler.stream_unary),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    return grpc.stream_stream_rpc_method_handler(
        streaming(handler.stream_stream),
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


class ErrorInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Turns :class:`ServiceError` into its status; any other exception into INTERNAL."""

    async def intercept_service(
        self, continuation: Continuation, details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(details)
        if handler is None:
            return None
        method = details.method

        def unary(behaviour: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            async def call(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                try:
                    return await behaviour(request, context)
                except ServiceError as error:
                    await context.abort(error.code, error.message)
                except grpc.aio.AbortError:
                    raise
                except Exception:
                    log.exception("%s failed", method)
                    await context.abort(grpc.StatusCode.INTERNAL, "internal error")

            return call

        def streaming(behaviour: Callable[..., AsyncIterator[Any]]) -> Callable[..., Any]:
            async def call(
                request: Any, context: grpc.aio.ServicerContext[Any, Any]
            ) -> AsyncIterator[Any]:
                try:
                    async for item in behaviour(request, context):
                        yield item
                except ServiceError as error:
                    await context.abort(error.code, error.message)
                except grpc.aio.AbortError:
                    raise
                except Exception:
                    log.exception("%s failed", method)
                    await context.abort(grpc.StatusCode.INTERNAL, "internal error")

            return call

        return _wrap(handler, unary, streaming)


# Methods any authenticated client may call, and who may call everything else.
OPEN_METHODS = ("/grpc.health.v1.Health/", "/grpc.reflection.")


class TokenAuthInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Checks ``authorization: Bearer <token>`` against the tokens of the client kinds allowed
    for the method (telephony, agent_desk, admin…). Health and reflection stay open.

    ``policy`` maps a full method name prefix (``/frontdesk.v1.Handoff/``) to the client kinds
    allowed; ``admin`` may call everything.
    """

    def __init__(self, tokens: Mapping[str, str], policy: Mapping[str, tuple[str, ...]]) -> None:
        self._tokens = dict(tokens)
        self._policy = dict(policy)

    @classmethod
    def from_file(cls, path: Path, policy: Mapping[str, tuple[str, ...]]) -> TokenAuthInterceptor:
        """Tokens from a file of ``kind: token`` lines (a mounted secret); re-read on each start."""
        tokens = {}
        for line in path.read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                kind, _, token = line.partition(":")
                tokens[kind.strip()] = token.strip()
        return cls(tokens, policy)

    def _allowed_kinds(self, method: str) -> tuple[str, ...]:
        for prefix, kinds in self._policy.items():
            if method.startswith(prefix):
                return (*kinds, "admin")
        return ("admin",)

    def _kind_of(self, token: str) -> str | None:
        for kind, expected in self._tokens.items():
            if hmac.compare_digest(token.encode(), expected.encode()):
                return kind
        return None

    async def intercept_service(
        self, continuation: Continuation, details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(details)
        if handler is None or details.method.startswith(OPEN_METHODS):
            return handler
        metadata = dict(details.invocation_metadata or ())
        token = str(metadata.get("authorization", "")).removeprefix("Bearer ").strip()
        kind = self._kind_of(token) if token else None
        if kind is None:
            return _deny(
                handler, grpc.StatusCode.UNAUTHENTICATED, "missing or unknown client token"
            )
        if kind not in self._allowed_kinds(details.method):
            message = f"a {kind} client may not call {details.method}"
            return _deny(handler, grpc.StatusCode.PERMISSION_DENIED, message)
        return handler


def _deny(
    handler: grpc.RpcMethodHandler[Any, Any], code: grpc.StatusCode, message: str
) -> grpc.RpcMethodHandler[Any, Any]:
    """A handler of the same shape as ``handler`` that only aborts."""

    def unary(_behaviour: Any) -> Callable[..., Awaitable[None]]:
        async def abort(_request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
            await context.abort(code, message)

        return abort

    def streaming(_behaviour: Any) -> Callable[..., AsyncIterator[Any]]:
        async def abort(
            _request: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            await context.abort(code, message)
            yield None  # unreachable: makes this an async generator

        return abort

    return _wrap(handler, unary, streaming)
