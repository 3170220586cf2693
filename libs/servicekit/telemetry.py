"""Traces, logs: OpenTelemetry tracing with W3C context through gRPC and NATS, and structured
JSON logs that carry trace ids. Everything passes the scrubbing seam before it leaves.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter

from servicekit.scrub import Scrubber, no_scrub

_STANDARD_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


class ScrubbingSpanProcessor(SpanProcessor):  # type: ignore[misc]
    """Hands the next processor a copy of each ended span whose string attributes and event
    attributes went through the scrubber: nothing unscrubbed reaches an exporter."""

    def __init__(self, inner: SpanProcessor, scrub: Scrubber) -> None:
        self._inner = inner
        self._scrub = scrub

    def _attributes(self, attributes: Any) -> dict[str, Any]:
        return {
            key: self._scrub(value) if isinstance(value, str) else value
            for key, value in (attributes or {}).items()
        }

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self._inner.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        events = tuple(
            Event(e.name, self._attributes(e.attributes), e.timestamp) for e in span.events
        )
        status = span.status
        if status.description:
            status = type(status)(status.status_code, self._scrub(status.description))
        clean = ReadableSpan(
            name=span.name,
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes=self._attributes(span.attributes),
            events=events,
            links=span.links,
            kind=span.kind,
            status=status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )
        self._inner.on_end(clean)

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return bool(self._inner.force_flush(timeout_millis))


def make_tracer_provider(
    service: str,
    version: str,
    *,
    exporters: Sequence[SpanExporter] = (),
    scrub: Scrubber = no_scrub,
) -> TracerProvider:
    """A tracer provider for one service; every exporter sits behind the scrubbing processor."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": service, "service.version": version})
    )
    for exporter in exporters:
        provider.add_span_processor(ScrubbingSpanProcessor(SimpleSpanProcessor(exporter), scrub))
    return provider


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, trace/span ids, extra fields.
    Message and string extras pass through the scrubber."""

    def __init__(self, service: str, version: str, scrub: Scrubber) -> None:
        super().__init__()
        self._service = service
        self._version = version
        self._scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self._service,
            "version": self._version,
            "logger": record.name,
            "message": self._scrub(record.getMessage()),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        for key, value in vars(record).items():
            if key not in _STANDARD_RECORD_FIELDS and not key.startswith("_"):
                entry[key] = self._scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = self._scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal, scrubbed like the JSON ones."""

    def __init__(self, service: str, scrub: Scrubber) -> None:
        super().__init__(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")
        self._scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        return self._scrub(super().format(record))


def configure_logging(
    service: str,
    version: str,
    *,
    level: str = "INFO",
    fmt: str = "json",
    scrub: Scrubber = no_scrub,
    stream: Any = None,
) -> logging.Handler:
    """Replaces the root logger's handlers with one scrubbing handler; returns it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(service, version, scrub) if fmt == "json" else TextFormatter(service, scrub)
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Chatty third-party loggers: their INFO lines are noise in a service's log.
    for noisy in ("apscheduler", "UnleashClient", "faststream", "LiteLLM", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
