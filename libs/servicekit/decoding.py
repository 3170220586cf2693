"""A gRPC server interceptor: requests that do not parse are INVALID_ARGUMENT.

grpcio parses a request before any interceptor's behaviour runs and answers a parse failure
with UNKNOWN and the parser's exception text. This interceptor takes the parsing over: the
handler receives raw bytes, parses them itself, and a malformed message gets INVALID_ARGUMENT
with a message naming the expected type. Install it innermost (after the error interceptor).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc

from servicekit.interceptors import Continuation

Parse = Callable[[bytes], Any]


def _type_name(parse: Parse) -> str:
    owner = getattr(parse, "__self__", None)
    descriptor = getattr(owner, "DESCRIPTOR", None)
    return str(getattr(descriptor, "full_name", "request"))


def _parser(parse: Parse) -> Callable[[bytes, Any], Any]:
    name = _type_name(parse)

    async def parsed(raw: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return parse(raw)
        except Exception:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"the request is not a valid {name} message (protobuf wire format expected)",
            )

    return parsed


class DecodingInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    async def intercept_service(
        self, continuation: Continuation, details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(details)
        if handler is None or handler.request_deserializer is None:
            return handler
        parsed = _parser(handler.request_deserializer)
        serializer = handler.response_serializer

        if handler.unary_unary or handler.unary_stream:
            # The grpc stubs type behaviours as synchronous; on grpc.aio they are async.
            behaviour: Any = handler.unary_unary or handler.unary_stream
            if handler.unary_unary:

                async def unary(raw: bytes, context: Any) -> Any:
                    return await behaviour(await parsed(raw, context), context)

                return grpc.unary_unary_rpc_method_handler(unary, response_serializer=serializer)

            async def server_stream(raw: bytes, context: Any) -> AsyncIterator[Any]:
                async for item in behaviour(await parsed(raw, context), context):
                    yield item

            return grpc.unary_stream_rpc_method_handler(
                server_stream, response_serializer=serializer
            )

        def requests(raw_requests: AsyncIterator[bytes], context: Any) -> AsyncIterator[Any]:
            async def each() -> AsyncIterator[Any]:
                async for raw in raw_requests:
                    yield await parsed(raw, context)

            return each()

        if handler.stream_unary:
            client_stream: Any = handler.stream_unary

            async def stream_unary(raw_requests: AsyncIterator[bytes], context: Any) -> Any:
                return await client_stream(requests(raw_requests, context), context)

            return grpc.stream_unary_rpc_method_handler(
                stream_unary, response_serializer=serializer
            )
        bidi: Any = handler.stream_stream

        async def stream_stream(
            raw_requests: AsyncIterator[bytes], context: Any
        ) -> AsyncIterator[Any]:
            async for item in bidi(requests(raw_requests, context), context):
                yield item

        return grpc.stream_stream_rpc_method_handler(stream_stream, response_serializer=serializer)
