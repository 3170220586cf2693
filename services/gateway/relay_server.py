"""The ConversationRelay WebSocket endpoint: Twilio or Telnyx connect here for each phone call.

One session per WebSocket: the provider's signature is checked on the handshake (refused with
403 before any call state exists), the first message must be ``setup``, then caller messages
flow into the same :class:`gateway.switchboard.Switchboard` call path as gRPC ``Converse``
(admission, claim and pin, barge-in, DTMF, turn latency, drain), and its outputs go back as
relay frames (:mod:`gateway.relay_protocol`).

- An unknown or malformed message after ``setup`` gets an ``error`` frame; the session goes on.
- Anything but ``setup`` first: an ``error`` frame and close 1008 (policy violation).
- A frame over ``max_message_bytes``: the socket is closed 1009 (message too big).
- A dropped socket is the caller hanging up: the call ends ``abandoned``, holds released.
- Pings every ``ping_interval`` seconds keep idle calls alive (and find dead peers).

    server = RelayServer(switchboard, check, host="127.0.0.1", port=8765)
    await server.start()
    ...
    await server.close()
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from gateway import model
from gateway.relay_auth import HandshakeCheck
from gateway.relay_protocol import (
    ProtocolError,
    ProviderError,
    RelayEnding,
    error_frame,
    parse,
    render,
)
from gateway.switchboard import Switchboard
from servicekit.errors import ServiceError

log = logging.getLogger(__name__)


class RelayServer:
    """Args:
    switchboard: the gateway's calls (shared with gRPC Converse).
    check: the handshake's signature check.
    host, port: where to listen (port 0: any free port; see ``port`` once started).
    path: the URL path the provider is configured with.
    public_url: the URL the provider signs (``wss://host/path``), when a proxy in front
        changes what this server sees; by default built from the Host header.
    ssl_context: TLS for ``wss://`` (None: plain ``ws://``, for a TLS-terminating proxy).
    """

    def __init__(
        self,
        switchboard: Switchboard,
        check: HandshakeCheck,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/relay",
        public_url: str = "",
        ssl_context: ssl.SSLContext | None = None,
        max_message_bytes: int = 64 * 1024,
        ping_interval: float = 20.0,
    ) -> None:
        self._switchboard = switchboard
        self._check = check
        self._host = host
        self._port = port
        self._path = path
        self._public_url = public_url.rstrip("/")
        self._ssl = ssl_context
        self._max_message_bytes = max_message_bytes
        self._ping_interval = ping_interval
        self._server: Server | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the relay server is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        scheme = "wss" if self._ssl else "ws"
        return f"{scheme}://{self._host}:{self.port}{self._path}"

    async def start(self) -> None:
        self._server = await serve(
            self._session,
            self._host,
            self._port,
            process_request=self._handshake,
            ssl=self._ssl,
            max_size=self._max_message_bytes,
            ping_interval=self._ping_interval,
            ping_timeout=self._ping_interval,
            compression=None,  # small JSON frames: deflate costs more than it saves
            server_header=None,
        )

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    # --- handshake ----------------------------------------------------------------------------

    def _signed_url(self, request: Request) -> str:
        if self._public_url:
            base = self._public_url
        else:
            scheme = "wss" if self._ssl else "ws"
            base = f"{scheme}://{request.headers.get('Host', self._host)}"
        return base + request.path

    def _handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?", 1)[0] != self._path:
            return connection.respond(
                HTTPStatus.NOT_FOUND, f"no relay endpoint at this path; use {self._path}\n"
            )
        refusal = self._check.refusal(self._signed_url(request), request.headers)
        if refusal is not None:
            log.warning("relay handshake refused: %s", refusal)
            return connection.respond(HTTPStatus.FORBIDDEN, f"{refusal}\n")
        return None

    # --- one session --------------------------------------------------------------------------

    async def _send(self, connection: ServerConnection, frame: dict[str, Any]) -> None:
        await connection.send(json.dumps(frame, separators=(",", ":")))

    async def _inputs(
        self, connection: ServerConnection
    ) -> AsyncIterator[model.Setup | model.CallerInput]:
        started = False
        try:
            async for raw in connection:
                try:
                    message = parse(raw)
                except ProtocolError as error:
                    await self._send(connection, error_frame(str(error)))
                    if not started:
                        await connection.close(1008, "the first message must be setup")
                        return
                    continue
                if isinstance(message, ProviderError):
                    # The provider's own error report ("invalid message" etc.): no caller input.
                    log.warning("relay provider error: %s", message.description[:200])
                    continue
                if not started:
                    if not isinstance(message, model.Setup):
                        await self._send(
                            connection, error_frame("the first message must be 'setup'")
                        )
                        await connection.close(1008, "the first message must be setup")
                        return
                    started = True
                elif isinstance(message, model.Setup):
                    await self._send(connection, error_frame("the call is already set up"))
                    continue
                yield message
        except ConnectionClosed:
            pass
        if started:
            # The socket is gone (or closed by the provider): the caller hung up.
            yield model.Hangup("relay socket closed")

    async def _session(self, connection: ServerConnection) -> None:
        ending = RelayEnding()
        try:
            async for output in self._switchboard.converse(self._inputs(connection)):
                for frame in render(output, ending):
                    await self._send(connection, frame)
        except ServiceError as error:  # a bad setup (the switchboard's InvalidArgument)
            await self._send(connection, error_frame(error.message))
            await connection.close(1008, "bad setup")
            return
        except ConnectionClosed:
            return  # dropped: the switchboard's own clean-up ended the call as a hangup
        await connection.close(1000, "call ended")
