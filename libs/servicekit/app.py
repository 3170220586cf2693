"""The wiring every service's ``__main__`` shares: settings, logging, runtime, serve.

    # services/handoff/__main__.py
    from servicekit.app import main
    from handoff.app import SERVICE
    main(SERVICE)

Each service describes itself with a :class:`Service`: its name, its settings class, its
protobuf service, and how to build its servicer from the runtime. ``run`` is what tests and
``frontdesk up`` use to run a service inside an existing event loop.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from opentelemetry.sdk.trace.export import SpanExporter

from servicekit.phi_scrub import make_scrubber
from servicekit.runtime import Runtime
from servicekit.scrub import Scrubber
from servicekit.serve import ServiceDefinition, Serving, serve
from servicekit.settings import ServiceSettings
from servicekit.telemetry import configure_logging

S = TypeVar("S", bound=ServiceSettings)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Built:
    """A servicer and what to run around it."""

    servicer: object
    # Runs on SIGTERM before NATS and gRPC stop (the gateway drains live calls here).
    draining: Callable[[], Awaitable[None]] | None = None
    # Runs after the servicer has stopped serving (close databases, stop consumers).
    close: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class Service(Generic[S]):
    definition: ServiceDefinition
    settings_type: type[S]
    build: Callable[[Runtime, S], Built | Awaitable[Built]]

    @property
    def name(self) -> str:
        return self.definition.name


def default_scrubber(settings: ServiceSettings) -> Scrubber:
    """PHI redaction for logs, spans and events: the ``phi`` engine in strict mode."""
    return make_scrubber(settings)


async def run(
    service: Service[S],
    settings: S,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[Serving], None] | None = None,
    span_exporters: Sequence[SpanExporter] = (),
    scrub: Scrubber | None = None,
) -> None:
    """Runs one service until ``stop`` is set (or SIGTERM), then shuts it down cleanly."""
    runtime = await Runtime.start(
        service.name,
        settings,
        scrub=scrub or default_scrubber(settings),
        span_exporters=span_exporters,
    )
    try:
        built: Any = service.build(runtime, settings)
        if inspect.isawaitable(built):
            built = await built
    except BaseException:
        await runtime.close()
        raise
    try:
        await serve(
            runtime,
            service.definition,
            built.servicer,
            stop=stop,
            on_ready=on_ready,
            draining=built.draining,
        )
    finally:
        if built.close is not None:
            await built.close()


def main(service: Service[Any]) -> None:
    """``python -m <service>``: settings from the environment, JSON logs, serve until SIGTERM."""
    settings = service.settings_type()
    configure_logging(
        service.name,
        settings.version,
        level=settings.log_level,
        fmt=settings.log_format,
        scrub=default_scrubber(settings),
    )
    try:
        asyncio.run(run(service, settings))
    except KeyboardInterrupt:
        pass
    except Exception as error:
        log.error("%s stopped: %s", service.name, error)
        raise SystemExit(1) from error
