"""The telephony side of ``CallGateway.Converse``: one call as a caller would make it.

    async with grpc.aio.insecure_channel("127.0.0.1:50051") as channel:
        async with Call.open(channel, call_id="sim-1", from_number="+15555550123",
                             to_number="+15550100100") as call:
            greeting = await call.reply(timeout=10)      # the greeting, up to Text.last
            await call.say("I'd like to book a checkup")
            reply = await call.reply(timeout=10)
            reply.text, reply.latency, call.transfer, call.end
            await call.dtmf("03031980#")
            await call.hangup()

The same call over ConversationRelay's WebSocket (the way Twilio and Telnyx connect)::

    async with Call.open_relay("ws://127.0.0.1:8765/relay", call_id="sim-1", ...,
                               auth_token=twilio_auth_token) as call:
        ...   # the same methods; a transfer arrives inside the relay's `end` frame

A :class:`Reply` is every piece of text up to ``Text.last`` (or the call's end). Transfers and
the end message are remembered on the call (``call.transfer``, ``call.end``) whenever they
arrive; :meth:`Call.events` yields raw events for clients that show them live (``frontdesk
call``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from frontdesk.v1 import gateway_pb2, gateway_pb2_grpc

DTMF_KEYS = frozenset("0123456789*#")


@dataclass(frozen=True)
class TextPiece:
    token: str
    last: bool
    at: float  # time.monotonic() when received


@dataclass(frozen=True)
class TransferInfo:
    target: str
    handoff_id: str
    data: dict[str, str]


@dataclass(frozen=True)
class EndInfo:
    """End.handoff_data, parsed: ``{"outcome": ..., "handoff_id": ..., "reason": ...}``."""

    data: dict[str, Any]

    @property
    def outcome(self) -> str:
        return str(self.data.get("outcome", ""))

    @property
    def handoff_id(self) -> str:
        return str(self.data.get("handoff_id", ""))


@dataclass(frozen=True)
class Closed:
    """The server closed the response stream; ``error`` is set when it was not a clean close."""

    error: str = ""


Event = TextPiece | TransferInfo | EndInfo | Closed


@dataclass
class Reply:
    """One reply: its text and when its first piece came, relative to when we asked."""

    text: str = ""
    started: float | None = None  # monotonic time of the first piece
    asked: float | None = None  # monotonic time the input that caused it was sent
    complete: bool = False  # Text.last arrived
    ended: bool = False  # the call ended while (or instead of) replying

    @property
    def latency(self) -> float | None:
        """Seconds from the input to the first piece of text; None without either."""
        if self.started is None or self.asked is None:
            return None
        return self.started - self.asked


def join_pieces(pieces: list[str]) -> str:
    """Reply text from its pieces: LLM tokens carry their own spaces, whole sentences do not.

    A space goes between two pieces only when neither has one at the seam and the first ends
    a sentence or clause ("Thanks." + "How can I help?").
    """
    text = ""
    for piece in pieces:
        at_seam = text and piece and not text[-1].isspace() and not piece[0].isspace()
        if at_seam and text[-1] in ".?!,;:":
            text += " "
        text += piece
    return " ".join(text.split())


def parse_end(handoff_data: str) -> EndInfo:
    """End.handoff_data is a JSON object; anything else is kept as ``{"raw": ...}``."""
    try:
        data = json.loads(handoff_data) if handoff_data else {}
    except json.JSONDecodeError:
        return EndInfo({"raw": handoff_data})
    return EndInfo(data if isinstance(data, dict) else {"raw": data})


def convert(response: gateway_pb2.ConverseResponse) -> Event | None:
    """The event of one ConverseResponse (SendDigits and empty messages: None)."""
    kind = response.WhichOneof("message")
    if kind == "text":
        return TextPiece(response.text.token, response.text.last, time.monotonic())
    if kind == "transfer":
        t = response.transfer
        return TransferInfo(t.target, t.handoff_id, dict(t.handoff_data))
    if kind == "end":
        return parse_end(response.end.handoff_data)
    return None


def relay_frame(request: gateway_pb2.ConverseRequest) -> dict[str, Any] | None:
    """A ConverseRequest as the ConversationRelay frame Twilio would send (None: no frame)."""
    kind = request.WhichOneof("message")
    if kind == "setup":
        setup = request.setup
        custom = dict(setup.custom_parameters)
        if setup.clinic_id:
            custom["clinic"] = setup.clinic_id
        return {
            "type": "setup",
            "sessionId": f"VX{setup.call_id}",
            "callSid": setup.call_id,
            "from": setup.from_number,
            "to": setup.to_number,
            "direction": "inbound",
            "customParameters": custom,
        }
    if kind == "prompt":
        return {
            "type": "prompt",
            "voicePrompt": request.prompt.text,
            "lang": request.prompt.language or "en-US",
            "last": request.prompt.last,
        }
    if kind == "dtmf":
        return {"type": "dtmf", "digit": request.dtmf.digit}
    if kind == "interrupt":
        return {
            "type": "interrupt",
            "utteranceUntilInterrupt": request.interrupt.utterance_until_interrupt,
            "durationUntilInterruptMs": request.interrupt.duration_until_interrupt_ms,
        }
    return None


@dataclass
class Call:
    """One call over an open Converse stream; use :meth:`open`."""

    _requests: asyncio.Queue[gateway_pb2.ConverseRequest | None]
    _events: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    _reader: asyncio.Task[None] | None = None
    _stream: Any = None
    transfer: TransferInfo | None = None
    end: EndInfo | None = None
    closed: Closed | None = None
    _input_done: bool = False
    _socket: ClientConnection | None = None  # the relay's WebSocket, for open_relay calls
    _writer: asyncio.Task[None] | None = None
    # ConversationRelay ``error`` frames the gateway sent back (descriptions).
    relay_errors: list[str] = field(default_factory=list)

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls,
        channel: grpc.aio.Channel,
        *,
        call_id: str,
        from_number: str,
        to_number: str,
        clinic_id: str = "",
        custom_parameters: Mapping[str, str] | None = None,
    ) -> AsyncIterator[Call]:
        """Opens the stream and sends ``setup``; on exit closes our side and stops reading."""
        call = cls(asyncio.Queue())
        stub = gateway_pb2_grpc.CallGatewayStub(channel)
        call._stream = stub.Converse(call._outgoing())
        call._reader = asyncio.create_task(call._read())
        setup = gateway_pb2.Setup(
            call_id=call_id,
            from_number=from_number,
            to_number=to_number,
            clinic_id=clinic_id,
            custom_parameters=dict(custom_parameters or {}),
        )
        async with call._running(setup):
            yield call

    @classmethod
    @contextlib.asynccontextmanager
    async def open_relay(
        cls,
        url: str,
        *,
        call_id: str,
        from_number: str,
        to_number: str,
        clinic_id: str = "",
        custom_parameters: Mapping[str, str] | None = None,
        auth_token: str = "",
        headers: Mapping[str, str] | None = None,
        ca_file: Path | None = None,
    ) -> AsyncIterator[Call]:
        """Like :meth:`open`, over a ConversationRelay WebSocket: the handshake is signed the way
        Twilio signs it (``X-Twilio-Signature`` over ``url``) when ``auth_token`` is given;
        ``wss://`` trusts ``ca_file`` (else the system's CAs)."""
        sent_headers = dict(headers or {})
        if auth_token:
            sent_headers["X-Twilio-Signature"] = RequestValidator(auth_token).compute_signature(
                url, {}
            )
        tls = (
            ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
            if url.startswith("wss:")
            else None
        )
        socket = await connect(url, additional_headers=sent_headers, compression=None, ssl=tls)
        call = cls(asyncio.Queue())
        call._socket = socket
        call._reader = asyncio.create_task(call._read_relay(socket))
        call._writer = asyncio.create_task(call._write_relay(socket))
        setup = gateway_pb2.Setup(
            call_id=call_id,
            from_number=from_number,
            to_number=to_number,
            clinic_id=clinic_id,
            custom_parameters=dict(custom_parameters or {}),
        )
        async with call._running(setup):
            yield call

    @contextlib.asynccontextmanager
    async def _running(self, setup: gateway_pb2.Setup) -> AsyncIterator[None]:
        """Sends ``setup`` on the open transport; on exit closes our side and stops reading."""
        await self._send(gateway_pb2.ConverseRequest(setup=setup))
        try:
            yield
        finally:
            await self._finish()

    # --- sending -----------------------------------------------------------------------------

    async def _outgoing(self) -> AsyncIterator[gateway_pb2.ConverseRequest]:
        while True:
            request = await self._requests.get()
            if request is None:
                return
            yield request

    async def _send(self, request: gateway_pb2.ConverseRequest) -> float:
        """Queues one request; returns the monotonic time it was handed over."""
        if self._input_done:
            raise RuntimeError("the call's input is closed (hung up)")
        sent = time.monotonic()
        await self._requests.put(request)
        return sent

    async def say(self, text: str, language: str = "en-US") -> float:
        """A final prompt (a whole utterance). Returns when it was sent (monotonic)."""
        prompt = gateway_pb2.Prompt(text=text, last=True, language=language)
        return await self._send(gateway_pb2.ConverseRequest(prompt=prompt))

    async def dtmf(self, digits: str) -> float:
        """One Dtmf message per key; returns when the last key was sent."""
        bad = [key for key in digits if key not in DTMF_KEYS]
        if bad or not digits:
            raise ValueError(f"not DTMF keys: {digits!r} (use 0-9, * and #)")
        sent = 0.0
        for key in digits:
            sent = await self._send(gateway_pb2.ConverseRequest(dtmf=gateway_pb2.Dtmf(digit=key)))
        return sent

    async def interrupt(self, heard: str, duration_ms: int = 0) -> float:
        message = gateway_pb2.Interrupt(
            utterance_until_interrupt=heard, duration_until_interrupt_ms=duration_ms
        )
        return await self._send(gateway_pb2.ConverseRequest(interrupt=message))

    async def hangup(self, reason: str = "caller") -> None:
        """Sends Hangup and closes our side of the stream."""
        if self._input_done:
            return
        await self._send(gateway_pb2.ConverseRequest(hangup=gateway_pb2.Hangup(reason=reason)))
        await self.close_input()

    async def close_input(self) -> None:
        """Half-closes the stream (the gateway treats it as the caller going away)."""
        if not self._input_done:
            self._input_done = True
            await self._requests.put(None)

    async def _write_relay(self, socket: ClientConnection) -> None:
        """Our requests as ConversationRelay frames; a hangup (or the end of input) closes the
        socket, which is how a relay call ends from the telephony side."""
        try:
            while True:
                request = await self._requests.get()
                if request is None or request.WhichOneof("message") == "hangup":
                    await socket.close(1000, "caller hung up")
                    return
                frame = relay_frame(request)
                if frame is not None:
                    await socket.send(json.dumps(frame))
        except ConnectionClosed:
            return

    # --- receiving ---------------------------------------------------------------------------

    async def _read(self) -> None:
        error = ""
        try:
            async for response in self._stream:
                event = convert(response)
                if event is None:
                    continue
                if isinstance(event, TransferInfo):
                    self.transfer = event
                elif isinstance(event, EndInfo):
                    self.end = event
                await self._events.put(event)
        except grpc.aio.AioRpcError as failure:
            if failure.code() != grpc.StatusCode.CANCELLED and not self._write_race(failure):
                error = f"{failure.code().name}: {failure.details()}"
        except asyncio.CancelledError:
            error = "cancelled"
        self.closed = Closed(error)
        await self._events.put(self.closed)

    def _write_race(self, failure: grpc.aio.AioRpcError) -> bool:
        """gRPC's own INTERNAL after the gateway already ended the call: this caller's next line
        raced the end of the stream (the call itself ended cleanly, with its End message)."""
        return (
            self.end is not None
            and failure.code() == grpc.StatusCode.INTERNAL
            and failure.details() == "Internal error from Core"
        )

    async def _read_relay(self, socket: ClientConnection) -> None:
        error = ""
        try:
            async for raw in socket:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "text":
                    event: Event = TextPiece(
                        str(frame.get("token", "")), bool(frame.get("last")), time.monotonic()
                    )
                elif kind == "end":
                    end = parse_end(str(frame.get("handoffData", "")))
                    target = end.data.get("transferTarget")
                    if target:
                        self.transfer = TransferInfo(
                            str(target),
                            str(end.data.get("handoffId", "")),
                            {k: str(v) for k, v in end.data.items()},
                        )
                        await self._events.put(self.transfer)
                    self.end = event = end
                elif kind == "error":
                    self.relay_errors.append(str(frame.get("description", "")))
                    continue
                else:
                    continue  # sendDigits, language, play: nothing a simulated caller uses
                await self._events.put(event)
        except ConnectionClosed:
            pass
        except asyncio.CancelledError:
            error = "cancelled"
        code = socket.close_code
        if not error and code not in (None, 1000, 1001):
            error = f"closed {code}: {socket.close_reason}"
        self.closed = Closed(error)
        await self._events.put(self.closed)

    async def next_event(self, timeout: float | None = None) -> Event:
        """The next event; raises TimeoutError after ``timeout`` seconds without one."""
        if self.closed is not None and self._events.empty():
            return self.closed
        async with asyncio.timeout(timeout):
            return await self._events.get()

    async def events(self) -> AsyncIterator[Event]:
        """Every event until the stream closes (the Closed event is the last one)."""
        while True:
            event = await self.next_event()
            yield event
            if isinstance(event, Closed):
                return

    async def reply(self, *, asked: float | None = None, timeout: float = 15.0) -> Reply:
        """Text up to ``Text.last``, or until the call ends or closes.

        Raises TimeoutError when no event arrives for ``timeout`` seconds.
        """
        reply = Reply(asked=asked)
        pieces: list[str] = []
        while True:
            event = await self.next_event(timeout)
            if isinstance(event, TextPiece):
                if reply.started is None and event.token:
                    reply.started = event.at
                pieces.append(event.token)
                if event.last:
                    reply.complete = True
                    break
            elif isinstance(event, EndInfo | Closed):
                reply.ended = True
                break
        reply.text = join_pieces(pieces)
        return reply

    async def drain(self, quiet: float) -> list[Event]:
        """Events that arrive before ``quiet`` seconds pass without one (for a call's tail)."""
        got: list[Event] = []
        while True:
            try:
                event = await self.next_event(quiet)
            except TimeoutError:
                return got
            got.append(event)
            if isinstance(event, Closed):
                return got

    @property
    def over(self) -> bool:
        """The gateway ended the call or closed the stream."""
        return self.end is not None or self.closed is not None

    async def _finish(self) -> None:
        await self.close_input()
        if self._reader is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._reader), timeout=5.0)
            if not self._reader.done():
                if self._socket is not None:
                    await self._socket.close()
                else:
                    self._stream.cancel()
                self._reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._reader
        if self._writer is not None and not self._writer.done():
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
