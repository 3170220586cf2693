"""What a running service stands on: settings, telemetry, metrics, the NATS broker and client,
JetStream, the event publisher, flags. Built once in ``__main__`` and passed in; nothing global.

    runtime = await Runtime.start("handoff", settings)
    servicer = HandoffServicer(store, events=runtime.events)
    await serve(runtime, HANDOFF, servicer)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.kv import KeyValue
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter

from servicekit.bus import BusClient, make_broker
from servicekit.errors import Unavailable
from servicekit.events import EventPublisher
from servicekit.flags import Flags
from servicekit.jetstream import SESSIONS_BUCKET, ensure_streams
from servicekit.metrics import Metrics, MetricsServer, bus_metrics_middleware
from servicekit.natsauth import connect_options
from servicekit.scrub import Scrubber, no_scrub
from servicekit.settings import DEFAULT_GRPC_PORTS, ServiceSettings
from servicekit.telemetry import make_tracer_provider

log = logging.getLogger(__name__)

# Seconds the NATS connection gets to drain on close.
CLOSE_TIMEOUT = 5.0


@dataclass
class Runtime:
    name: str
    settings: ServiceSettings
    tracer_provider: TracerProvider
    metrics: Metrics
    broker: NatsBroker
    bus: BusClient
    js: JetStreamContext
    sessions: KeyValue
    events: EventPublisher
    scrub: Scrubber
    flags: Flags | None = None
    metrics_server: MetricsServer | None = None
    _closers: list[object] = field(default_factory=list)

    @property
    def version(self) -> str:
        return self.settings.version

    @classmethod
    async def start(
        cls,
        name: str,
        settings: ServiceSettings,
        *,
        scrub: Scrubber = no_scrub,
        span_exporters: Sequence[SpanExporter] = (),
        with_flags: bool = True,
    ) -> Runtime:
        """Connects to NATS, sets up JetStream, starts the metrics endpoint."""
        tracer_provider = make_tracer_provider(
            name,
            settings.version,
            exporters=span_exporters,
            scrub=scrub,
            otlp_endpoint=settings.otlp_endpoint,
        )
        metrics = Metrics.create()
        broker = make_broker(
            settings.nats_url,
            tracer_provider=tracer_provider,
            middlewares=(bus_metrics_middleware(metrics.registry, name),),
            name=name,
            credentials=connect_options(settings),
        )
        try:
            await broker.connect()
        except Exception as error:
            raise Unavailable(
                f"cannot reach NATS at {settings.nats_url} ({error}); start one or set "
                "FRONTDESK_NATS_URL (and FRONTDESK_NATS_USER / FRONTDESK_NATS_PASSWORD_FILE "
                "when it has users)"
            ) from error
        js = broker.connection.jetstream()
        if settings.manage_streams:
            sessions = await ensure_streams(js)
        else:
            sessions = await js.key_value(SESSIONS_BUCKET)
        flags = None
        if with_flags:
            flags = Flags(
                name,
                url=settings.unleash_url,
                token=settings.unleash_token,
                bootstrap_file=settings.flags_file,
                instance_id=f"{name}-{settings.version}",
                refresh_interval=settings.unleash_refresh_interval,
                registry=metrics.registry,
            )
            await flags.start()
        metrics_server = None
        if settings.metrics_port != -2:
            port = settings.metrics_port
            if port == 0:
                port = (
                    9100 + list(DEFAULT_GRPC_PORTS).index(name) + 1
                    if name in DEFAULT_GRPC_PORTS
                    else 0
                )
            metrics_server = MetricsServer(metrics.registry, settings.metrics_host, max(port, 0))
        return cls(
            name=name,
            settings=settings,
            tracer_provider=tracer_provider,
            metrics=metrics,
            broker=broker,
            bus=BusClient(broker, timeout=settings.request_timeout),
            js=js,
            sessions=sessions,
            events=EventPublisher(js, scrub),
            scrub=scrub,
            flags=flags,
            metrics_server=metrics_server,
        )

    async def close(self) -> None:
        """Drains the NATS connection and stops everything started by :meth:`start`."""
        try:
            # With the NATS server gone, draining would wait for a reconnect forever.
            await asyncio.wait_for(self.broker.stop(), CLOSE_TIMEOUT)
        except Exception:
            log.warning("NATS connection did not drain cleanly", exc_info=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.broker.connection.close(), CLOSE_TIMEOUT)
        if self.flags is not None:
            await self.flags.close()
        if self.metrics_server is not None:
            self.metrics_server.close()
        self.tracer_provider.shutdown()
