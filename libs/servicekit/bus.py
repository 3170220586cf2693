"""NATS transport: a servicer's methods as request/reply subjects, and a client to call them.

``bind_servicer`` hangs one subscriber per method on ``frontdesk.<service>.<Method>`` with the
queue group ``<service>`` (so requests balance across replicas) and optionally on a versioned
subject too. Unary methods answer with one reply; server-streaming methods send chunks to the
caller's inbox and end with a status message. Failures travel as gRPC status code names and the
client raises the matching :mod:`servicekit.errors` exception, so callers handle one error tree
whichever transport carried the call.

    broker = make_broker(settings.nats_url, tracer_provider=tp)
    scheduler = scheduler_pb2.DESCRIPTOR.services_by_name["Scheduler"]
    bind_servicer(broker, "scheduler_adapter", scheduler, servicer)
    await broker.start()
    client = BusClient(broker)
    slots = await client.call("frontdesk.scheduler_adapter.FindSlots", request, FindSlotsResponse)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import nats.errors
from faststream.nats import NatsBroker, NatsResponse
from faststream.nats.annotations import NatsMessage
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import DecodeError, Message
from opentelemetry.trace import TracerProvider

from servicekit import _headers as h
from servicekit.errors import (
    Cancelled,
    DeadlineExceeded,
    InvalidArgument,
    ResourceExhausted,
    ServiceError,
    Unavailable,
    code_from_name,
    error_for,
)
from servicekit.methods import MethodInfo, service_methods, subject

M = TypeVar("M", bound=Message)
log = logging.getLogger(__name__)

# Messages of one server stream received ahead of its reader.
STREAM_BUFFER = 1024

# How many requests one subscriber handles at once (faststream's default is one at a time).
DEFAULT_CONCURRENCY = 256


class InFlight:
    """Counts the NATS requests being handled, so a shutdown can let them finish.

    faststream's concurrent subscribers run handlers in a task group that ``stop()`` cancels: a
    turn still streaming from an orchestrator being removed (a canary aborted) would end with
    no reply at all. ``serve()`` stops taking requests (:func:`stop_taking_requests`), waits
    here until nothing is in flight, then stops the subscribers.
    """

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def count(self) -> int:
        return self._count

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        self._count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    async def wait_idle(self, timeout: float, broker: NatsBroker | None = None) -> bool:
        """True when nothing is in flight, nor waiting in ``broker``'s subscribers' queues (a
        request received but not yet handed to its handler), within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._count == 0 and not _queued(broker):
                # A unary handler returned; faststream still publishes its reply: a moment.
                await asyncio.sleep(0.05)
                if self._count == 0 and not _queued(broker):
                    return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), 0.05)
            await asyncio.sleep(0.01)
        return False


def _queued(broker: NatsBroker | None) -> int:
    """Messages faststream's concurrent subscribers received and have not started handling."""
    if broker is None:
        return 0
    waiting = 0
    for subscriber in broker.subscribers:
        stream = getattr(subscriber, "receive_stream", None)
        with contextlib.suppress(Exception):
            waiting += int(stream.statistics().current_buffer_used)  # type: ignore[union-attr]
    return waiting


async def stop_taking_requests(broker: NatsBroker) -> None:
    """Unsubscribes every subscriber from NATS (requests already received are still handed to
    their handlers), leaving the running handlers alone: other replicas get the new requests,
    and a version with no replica left answers "no responders", which the gateway re-claims."""
    for subscriber in list(broker.subscribers):
        subscription = getattr(subscriber, "subscription", None)
        if subscription is None:
            continue
        with contextlib.suppress(Exception):
            await subscription.drain()
        # faststream's stop() would unsubscribe it once more and fail on the drained one.
        subscriber.subscription = None  # type: ignore[attr-defined]


def make_broker(
    url: str,
    *,
    tracer_provider: TracerProvider | None = None,
    middlewares: Sequence[Any] = (),
    name: str = "frontdesk",
    credentials: Mapping[str, Any] | None = None,
) -> NatsBroker:
    """A faststream NATS broker with trace propagation through message headers.

    ``credentials``: connection options from :func:`servicekit.natsauth.connect_options`."""
    stack: list[Any] = []
    if tracer_provider is not None:
        from faststream.nats.opentelemetry import NatsTelemetryMiddleware

        # Message counters would duplicate our own metrics; spans are what we need from it.
        stack.append(
            NatsTelemetryMiddleware(
                tracer_provider=tracer_provider, include_messages_counters=False
            )
        )
    stack.extend(middlewares)
    return NatsBroker(
        url,
        name=name,
        apply_types=False,
        middlewares=tuple(stack),
        logger=None,  # our own structured logs; faststream's would log every message
        graceful_timeout=30.0,
        max_reconnect_attempts=-1,
        **dict(credentials or {}),
    )


class NatsCallContext:
    """What a servicer may read of a request that came over NATS (stands in for gRPC's context)."""

    def __init__(self, headers: dict[str, str], deadline: float | None) -> None:
        self._headers = headers
        self._deadline = deadline

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return tuple((k.lower(), v) for k, v in self._headers.items())

    def time_remaining(self) -> float | None:
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())


def _deadline(headers: dict[str, str]) -> float | None:
    raw = headers.get(h.TIMEOUT_MS)
    if not raw:
        return None
    try:
        return time.monotonic() + float(raw) / 1000.0
    except ValueError:
        return None


def _status_headers(error: BaseException | None) -> dict[str, str]:
    if error is None:
        return {h.STATUS: "OK"}
    if isinstance(error, ServiceError):
        return {h.STATUS: error.code.name, h.MESSAGE: h.header_safe(error.message)}
    if isinstance(error, TimeoutError):
        return {h.STATUS: "DEADLINE_EXCEEDED", h.MESSAGE: "the request's deadline passed"}
    return {h.STATUS: "INTERNAL", h.MESSAGE: f"internal error ({type(error).__name__})"}


def _decode(method: MethodInfo, body: bytes) -> Message:
    request = method.request_type()
    try:
        request.ParseFromString(body)
    except DecodeError as error:
        raise InvalidArgument(
            f"{method.name}: the request is not a valid {request.DESCRIPTOR.full_name}"
        ) from error
    return request


def _unary_handler(
    method: MethodInfo, call: Callable[[Message, Any], Awaitable[Message]]
) -> Callable[[NatsMessage], Awaitable[NatsResponse]]:
    async def handle(msg: NatsMessage) -> NatsResponse:
        headers = dict(msg.headers or {})
        deadline = _deadline(headers)
        try:
            request = _decode(method, msg.body)
            context = NatsCallContext(headers, deadline)
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            async with asyncio.timeout(timeout):
                response = await call(request, context)
            return NatsResponse(response.SerializeToString(), headers=_status_headers(None))
        except Exception as error:  # every failure becomes a status reply, never silence
            if not isinstance(error, ServiceError | TimeoutError):
                log.exception("%s failed", method.name)
            return NatsResponse(b"", headers=_status_headers(error))

    return handle


class _StreamCancels:
    """One subscription per connection for every stream's ``.cancel`` (a caller leaving early).

    A subscription of its own per stream cost two protocol messages to NATS and a change to the
    server's subscription table (which drops its match cache) on every turn."""

    # The callers' inboxes: nats-py's ``_INBOX.<id>`` and BusClient's ``_INBOX.<prefix>.<n>``.
    SUBJECTS = ("_INBOX.*" + h.CANCEL_SUFFIX, "_INBOX.*.*" + h.CANCEL_SUFFIX)

    def __init__(self, broker: NatsBroker) -> None:
        self._broker = broker
        self._tasks: dict[str, asyncio.Future[None]] = {}
        self._connection: object = None
        self._subscribing: asyncio.Lock | None = None

    async def watch(self, reply_to: str, task: asyncio.Future[None]) -> None:
        self._tasks[reply_to] = task
        connection = self._broker.connection
        if self._connection is connection:
            return
        if self._subscribing is None:
            self._subscribing = asyncio.Lock()
        async with self._subscribing:
            if self._connection is not connection:
                for name in self.SUBJECTS:
                    await connection.subscribe(name, cb=self._on_cancel)
                self._connection = connection

    def forget(self, reply_to: str) -> None:
        self._tasks.pop(reply_to, None)

    async def _on_cancel(self, msg: Any) -> None:
        task = self._tasks.get(msg.subject[: -len(h.CANCEL_SUFFIX)])
        if task is not None:
            task.cancel()


def _stream_handler(
    broker: NatsBroker,
    method: MethodInfo,
    call: Callable[[Message, Any], AsyncIterator[Message]],
    cancels: _StreamCancels,
) -> Callable[[NatsMessage], Awaitable[None]]:
    # Chunks and the end marker go out on the bare connection: the caller reads them with a
    # plain subscription, so faststream's publish middlewares would only add a span and a
    # Prometheus series per chunk — labelled with the caller's one-off inbox, a new series
    # (and histogram) for every stream, a registry that grew with every turn served.
    async def produce(request: Message, context: NatsCallContext, reply_to: str) -> None:
        connection = broker.connection  # connected by now (bound before the broker starts)
        async for item in call(request, context):
            await connection.publish(reply_to, item.SerializeToString())

    async def handle(msg: NatsMessage) -> None:
        reply_to = msg.reply_to
        if not reply_to:
            return  # nobody to stream to
        headers = dict(msg.headers or {})
        deadline = _deadline(headers)
        error: BaseException | None = None
        try:
            request = _decode(method, msg.body)
            context = NatsCallContext(headers, deadline)
            task = asyncio.ensure_future(produce(request, context, reply_to))
            await cancels.watch(reply_to, task)
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                async with asyncio.timeout(timeout):
                    await task
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise
                error = Cancelled("the caller cancelled the stream")
        except Exception as failure:
            if not isinstance(failure, ServiceError | TimeoutError):
                log.exception("%s failed", method.name)
            error = failure
        finally:
            cancels.forget(reply_to)
        with contextlib.suppress(Exception):
            await broker.connection.publish(
                reply_to, b"", headers={h.STREAM_END: "1", **_status_headers(error)}
            )

    return handle


async def _whole_message(message: NatsMessage) -> NatsMessage:
    # Handlers get the message itself (body, headers, reply subject): no per-message
    # dependency injection, which was most of faststream's cost per request.
    return message


def bind_servicer(
    broker: NatsBroker,
    service: str,
    descriptor: ServiceDescriptor,
    servicer: object,
    *,
    version: str = "",
    versioned_methods: Sequence[str] = (),
    concurrency: int = DEFAULT_CONCURRENCY,
    in_flight: InFlight | None = None,
) -> list[str]:
    """Subscribes every unary and server-streaming method of ``servicer``; returns the subjects.

    Methods named in ``versioned_methods`` are served on ``frontdesk.<service>.<version>.<M>``
    with the queue group ``<service>.<version>`` instead (calls pinned to one version).
    Client-streaming methods are gRPC only. ``in_flight`` counts the requests being handled.
    """
    subjects = []
    cancels = _StreamCancels(broker)
    for method in service_methods(descriptor):
        if method.client_streaming:
            continue
        call = getattr(servicer, method.name)
        if method.name in versioned_methods:
            name, queue = subject(service, method.name, version), f"{service}.{version}"
        else:
            name, queue = subject(service, method.name), service
        handler: Callable[..., Awaitable[Any]]
        if method.server_streaming:
            handler = _tracked(_stream_handler(broker, method, call, cancels), in_flight)
            broker.subscriber(
                name,
                queue=queue,
                max_workers=concurrency,
                no_reply=True,
                decoder=_whole_message,
            )(handler)
        else:
            handler = _tracked(_unary_handler(method, call), in_flight)
            broker.subscriber(name, queue=queue, max_workers=concurrency, decoder=_whole_message)(
                handler
            )
        subjects.append(name)
    return subjects


def _tracked(
    handler: Callable[[NatsMessage], Awaitable[Any]], in_flight: InFlight | None
) -> Callable[[NatsMessage], Awaitable[Any]]:
    if in_flight is None:
        return handler

    async def handle(msg: NatsMessage) -> Any:
        with in_flight.track():
            return await handler(msg)

    return handle


def _raise_for_status(headers: dict[str, str] | None, what: str) -> None:
    headers = headers or {}
    if headers.get(h.NATS_STATUS) == h.NO_RESPONDERS:
        raise Unavailable(f"{what}: no service is answering")
    status = headers.get(h.STATUS, "UNKNOWN")
    if status != "OK":
        raise error_for(code_from_name(status), headers.get(h.MESSAGE, f"{what} failed: {status}"))


class BusClient:
    """Calls other services' methods over NATS with deadlines.

    Errors arrive as :mod:`servicekit.errors` exceptions: ``Unavailable`` when nobody answers,
    ``DeadlineExceeded`` when the deadline passes, and the remote status and message otherwise.
    """

    def __init__(self, broker: NatsBroker, *, timeout: float = 5.0) -> None:
        self._broker = broker
        self._timeout = timeout
        # Streams share one wildcard subscription, ``<prefix>.*``, each its own ``<prefix>.<n>``
        # (a subscription per stream was a SUB and an UNSUB to NATS on every turn).
        self._streams: dict[str, Callable[[Any], Awaitable[None]]] = {}
        self._stream_prefix = ""
        self._stream_connection: object = None
        self._stream_count = 0
        self._subscribing: asyncio.Lock | None = None

    async def _stream_inbox(self, receive: Callable[[Any], Awaitable[None]]) -> str:
        connection = self._broker.connection
        if self._stream_connection is not connection:
            if self._subscribing is None:
                self._subscribing = asyncio.Lock()
            async with self._subscribing:
                if self._stream_connection is not connection:
                    prefix = connection.new_inbox()
                    await connection.subscribe(prefix + ".*", cb=self._dispatch)
                    self._stream_prefix, self._stream_connection = prefix, connection
        self._stream_count += 1
        inbox = f"{self._stream_prefix}.{self._stream_count}"
        self._streams[inbox] = receive
        return inbox

    async def _dispatch(self, msg: Any) -> None:
        receive = self._streams.get(msg.subject)
        if receive is not None:
            await receive(msg)

    async def call(
        self,
        subject_name: str,
        request: Message,
        response_type: type[M],
        *,
        timeout: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> M:
        timeout = self._timeout if timeout is None else timeout
        send = {h.TIMEOUT_MS: str(int(timeout * 1000)), **(headers or {})}
        try:
            reply = await self._broker.request(
                request.SerializeToString(), subject_name, headers=send, timeout=timeout
            )
        except nats.errors.NoRespondersError:
            raise Unavailable(f"{subject_name}: no service is answering") from None
        except (TimeoutError, nats.errors.TimeoutError):
            raise DeadlineExceeded(f"{subject_name}: no answer within {timeout:.3g} s") from None
        except nats.errors.ConnectionClosedError:
            raise Unavailable(f"{subject_name}: the NATS connection is closed") from None
        _raise_for_status(reply.headers, subject_name)
        response = response_type()
        response.ParseFromString(reply.body)
        return response

    async def stream(
        self,
        subject_name: str,
        request: Message,
        response_type: type[M],
        *,
        timeout: float | None = None,
        inbox: str = "",
        headers: dict[str, str] | None = None,
    ) -> AsyncIterator[M]:
        """Yields the stream's messages; leaving the loop early cancels the stream remotely."""
        timeout = self._timeout if timeout is None else timeout
        connection = self._broker.connection
        # Bounded: a stream that outruns its reader is ended with an explicit error rather
        # than buffered until memory runs out.
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=STREAM_BUFFER)
        overflowed = False

        async def receive(msg: Any) -> None:
            nonlocal overflowed
            try:
                queue.put_nowait(msg)
            except asyncio.QueueFull:
                overflowed = True

        sub = None
        if inbox:
            sub = await connection.subscribe(inbox, cb=receive)
        else:
            inbox = await self._stream_inbox(receive)
        finished = False
        try:
            send = {h.TIMEOUT_MS: str(int(timeout * 1000)), h.STREAM: "1", **(headers or {})}
            await self._broker.publish(
                request.SerializeToString(), subject_name, headers=send, reply_to=inbox
            )
            deadline = time.monotonic() + timeout
            while True:
                remaining = deadline - time.monotonic()
                if overflowed and queue.empty():
                    raise ResourceExhausted(
                        f"{subject_name}: the stream sent more than {STREAM_BUFFER} messages "
                        "faster than they were read; it was stopped"
                    )
                try:
                    msg = await asyncio.wait_for(queue.get(), max(0.0, remaining))
                except TimeoutError:
                    raise DeadlineExceeded(
                        f"{subject_name}: the stream did not finish within {timeout:.3g} s"
                    ) from None
                msg_headers = msg.headers or {}
                if msg_headers.get(h.NATS_STATUS) == h.NO_RESPONDERS:
                    finished = True
                    raise Unavailable(f"{subject_name}: no service is answering")
                if msg_headers.get(h.STREAM_END):
                    finished = True
                    _raise_for_status(msg_headers, subject_name)
                    return
                item = response_type()
                item.ParseFromString(msg.data)
                yield item
        finally:
            if not finished:
                with contextlib.suppress(Exception):
                    await connection.publish(inbox + h.CANCEL_SUFFIX, b"")
            self._streams.pop(inbox, None)
            if sub is not None:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()
