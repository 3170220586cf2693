"""Traces, logs: OpenTelemetry tracing with W3C context through gRPC and NATS, and structured
JSON logs that carry trace ids. Everything passes the scrubbing seam before it leaves.

    provider = make_tracer_provider("gateway", "v1", scrub=scrub,
                                    otlp_endpoint="http://collector:4318")   # or "" for none
    configure_logging("gateway", "v1", fmt="auto", scrub=scrub)   # JSON unless stderr is a TTY

What is scrubbed: log messages, string field values, exception texts, span attributes, span
event attributes and status descriptions. What is not: a line's own time, level, logger and
service, trace and span ids, and the identifiers in :data:`IDENTIFIER_KEYS` (call, turn,
clinic, handoff ids; versions), which are ours, carry no caller data, and must stay joinable.
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
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

from servicekit.scrub import Scrubber, no_scrub

_STANDARD_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)))

# Field and attribute names (the last dotted segment) whose values are identifiers we mint:
# left as they are so logs, spans and events join on them. Anything else that is a string is
# scrubbed; a patient's record id is PHI and is not in this list.
IDENTIFIER_KEYS = frozenset(
    {
        "call_id",
        "turn_id",
        "clinic_id",
        "handoff_id",
        "trace_id",
        "span_id",
        "version",
        "service_version",
        "orchestrator_version",
    }
)


def is_identifier_key(key: str) -> bool:
    """``"frontdesk.call_id"`` -> True; ``"frontdesk.input"`` -> False."""
    return key.rsplit(".", 1)[-1] in IDENTIFIER_KEYS


def _scrub_value(key: str, value: Any, scrub: Scrubber) -> Any:
    if isinstance(value, str) and not is_identifier_key(key):
        return scrub(value)
    if isinstance(value, list | tuple) and not is_identifier_key(key):
        return type(value)(scrub(item) if isinstance(item, str) else item for item in value)
    return value


class ScrubbingSpanProcessor(SpanProcessor):  # type: ignore[misc]
    """Hands the next processor a copy of each ended span whose string attributes and event
    attributes went through the scrubber: nothing unscrubbed reaches an exporter."""

    def __init__(self, inner: SpanProcessor, scrub: Scrubber) -> None:
        self._inner = inner
        self._scrub = scrub

    def _attributes(self, attributes: Any) -> dict[str, Any]:
        return {
            key: _scrub_value(key, value, self._scrub) for key, value in (attributes or {}).items()
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


def otlp_traces_url(endpoint: str) -> str:
    """``http://collector:4318`` -> ``http://collector:4318/v1/traces`` (a full URL is kept)."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else f"{endpoint}/v1/traces"


def make_tracer_provider(
    service: str,
    version: str,
    *,
    exporters: Sequence[SpanExporter] = (),
    scrub: Scrubber = no_scrub,
    otlp_endpoint: str = "",
) -> TracerProvider:
    """A tracer provider for one service; every exporter sits behind the scrubbing processor.

    ``exporters`` get each span as it ends (tests); with ``otlp_endpoint`` set, spans are also
    batched to that OTLP/HTTP collector. With neither, nothing is recorded: spans still carry
    trace and span ids (logs and message headers keep them), but no span is built up only to be
    dropped — that was about a tenth of a turn's CPU with nothing to send it to.
    """
    exported = bool(exporters) or bool(otlp_endpoint)
    provider = TracerProvider(
        resource=Resource.create({"service.name": service, "service.version": version}),
        sampler=ALWAYS_ON if exported else ALWAYS_OFF,
    )
    for exporter in exporters:
        provider.add_span_processor(ScrubbingSpanProcessor(SimpleSpanProcessor(exporter), scrub))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        otlp = OTLPSpanExporter(endpoint=otlp_traces_url(otlp_endpoint))
        # Batched: a turn never waits on the collector; shutdown() flushes what is queued.
        provider.add_span_processor(
            ScrubbingSpanProcessor(BatchSpanProcessor(otlp, schedule_delay_millis=1000), scrub)
        )
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
        for key, value in _extras(record):
            entry[key] = _scrub_value(key, value, self._scrub)
        if record.exc_info:
            entry["error"] = self._scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def _extras(record: logging.LogRecord) -> list[tuple[str, Any]]:
    return [
        (key, value)
        for key, value in vars(record).items()
        if key not in _STANDARD_RECORD_FIELDS and not key.startswith("_")
    ]


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal: time, service, level, logger, then the scrubbed
    message and ``key=value`` fields (values scrubbed like the JSON ones)."""

    def __init__(self, service: str, scrub: Scrubber) -> None:
        super().__init__()
        self._service = service
        self._scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        line = (
            f"{self.formatTime(record)} {self._service} {record.levelname} {record.name}: "
            f"{self._scrub(record.getMessage())}"
        )
        fields = " ".join(
            f"{key}={_scrub_value(key, value, self._scrub)}" for key, value in _extras(record)
        )
        if fields:
            line += f" [{fields}]"
        if record.exc_info:
            line += "\n" + self._scrub(self.formatException(record.exc_info))
        return line


def resolve_format(fmt: str, stream: Any) -> str:
    """``auto``: text when ``stream`` is a terminal, JSON otherwise (files, pipes, collectors)."""
    if fmt != "auto":
        return fmt
    isatty = getattr(stream, "isatty", None)
    return "text" if callable(isatty) and isatty() else "json"


def configure_logging(
    service: str,
    version: str,
    *,
    level: str = "INFO",
    fmt: str = "auto",
    scrub: Scrubber = no_scrub,
    stream: Any = None,
) -> logging.Handler:
    """Replaces the root logger's handlers with one scrubbing handler; returns it.

    ``fmt``: ``json``, ``text``, or ``auto`` (text on a terminal, JSON elsewhere)."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter(service, version, scrub)
        if resolve_format(fmt, stream) == "json"
        else TextFormatter(service, scrub)
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
