"""gRPC server interceptors, one concern each: errors to statuses (client tokens are in
:mod:`servicekit.auth`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from servicekit.errors import ServiceError

log = logging.getLogger(__name__)
# What a refusal reads of a client stream first (see ``_drain``).
DRAIN_SECONDS = 0.5
DRAIN_MESSAGES = 16
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
                except NotImplementedError:  # what generated servicer bases raise
                    await context.abort(
                        grpc.StatusCode.UNIMPLEMENTED, f"{method} is not implemented"
                    )
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
                except NotImplementedError:  # what generated servicer bases raise
                    await context.abort(
                        grpc.StatusCode.UNIMPLEMENTED, f"{method} is not implemented"
                    )
                except Exception:
                    log.exception("%s failed", method)
                    await context.abort(grpc.StatusCode.INTERNAL, "internal error")

            return call

        return _wrap(handler, unary, streaming)


async def _drain(request: Any) -> None:
    """Reads what a client-streaming caller is still sending (a little, briefly) before it is
    refused. Refused at once, a client still writing its request stream may see gRPC's own
    INTERNAL ("Internal error from Core", the write racing the end of the call) instead of the
    refusal; the bound keeps a client that never half-closes from holding the refusal up."""
    if not hasattr(request, "__aiter__"):
        return
    with contextlib.suppress(Exception):
        async with asyncio.timeout(DRAIN_SECONDS):
            read = 0
            async for _ in request:
                read += 1
                if read >= DRAIN_MESSAGES:
                    return


def deny(
    handler: grpc.RpcMethodHandler[Any, Any], code: grpc.StatusCode, message: str
) -> grpc.RpcMethodHandler[Any, Any]:
    """A handler of the same shape as ``handler`` that only aborts."""

    def unary(_behaviour: Any) -> Callable[..., Awaitable[None]]:
        async def abort(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
            await _drain(request)
            await context.abort(code, message)

        return abort

    def streaming(_behaviour: Any) -> Callable[..., AsyncIterator[Any]]:
        async def abort(
            request: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            await _drain(request)
            await context.abort(code, message)
            yield None  # unreachable: makes this an async generator

        return abort

    return _wrap(handler, unary, streaming)
