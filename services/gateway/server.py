"""The CallGateway servicer: protobuf in and out; the calls themselves are the switchboard's.

    servicer = GatewayServicer(switchboard)

``Converse`` is a bidirectional stream, so it is served over gRPC only (NATS carries unary and
server-streaming methods). It never reads ``context``; a bad first message raises
``InvalidArgument``, which servicekit turns into the stream's status.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from frontdesk.v1 import gateway_pb2, gateway_pb2_grpc
from gateway import convert, model
from gateway.relay_server import RelayServer
from gateway.switchboard import Switchboard

log = logging.getLogger(__name__)


async def caller_messages(
    requests: AsyncIterator[gateway_pb2.ConverseRequest],
) -> AsyncIterator[model.Setup | model.CallerInput]:
    """The domain messages of a request stream; empty requests are skipped."""
    async for request in requests:
        message = convert.caller_message(request)
        if message is None:
            log.warning("ignored a ConverseRequest with no message set")
            continue
        yield message


class GatewayServicer(gateway_pb2_grpc.CallGatewayServicer):
    def __init__(self, switchboard: Switchboard) -> None:
        self._switchboard = switchboard
        # The ConversationRelay endpoint on the same switchboard, when it runs (for reporting).
        self.relay: RelayServer | None = None

    async def Converse(  # type: ignore[override]
        self, request_iterator: AsyncIterator[gateway_pb2.ConverseRequest], context: Any
    ) -> AsyncIterator[gateway_pb2.ConverseResponse]:
        async for output in self._switchboard.converse(caller_messages(request_iterator)):
            yield convert.caller_response(output)
