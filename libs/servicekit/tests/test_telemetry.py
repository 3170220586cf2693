"""Logs and spans leave the process scrubbed of PHI, with their own fields (time, level,
logger, trace and span ids, our call ids) intact; the metrics registry holds the contract,
process metrics, and buckets at the SLO thresholds."""

from __future__ import annotations

import io
import json
import logging
import os
import re
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import generate_latest

from servicekit.metrics import Metrics
from servicekit.phi_scrub import make_scrubber
from servicekit.scrub import Scrubber
from servicekit.settings import ServiceSettings
from servicekit.telemetry import configure_logging, make_tracer_provider, otlp_traces_url

CALL_ID = "CA5550100201"  # digits that look like a phone number: an id, not PHI
SAID = "this is Maria Lopez, born march third nineteen eighty"


@pytest.fixture(scope="module")
def scrub() -> Scrubber:
    return make_scrubber(ServiceSettings())


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def _log(stream: io.StringIO | object, fmt: str, scrub: Scrubber) -> None:
    configure_logging("gateway", "v7", fmt=fmt, scrub=scrub, stream=stream)
    logging.getLogger("gateway.call").info(
        "caller said: %s", SAID, extra={"call_id": CALL_ID, "heard": "Maria Lopez"}
    )


@pytest.mark.usefixtures("restore_root_logger")
def test_json_lines_scrub_message_and_fields_but_not_ids_time_or_level(scrub: Scrubber) -> None:
    stream = io.StringIO()
    tracer = make_tracer_provider("gateway", "v7").get_tracer("t")
    with tracer.start_as_current_span("turn") as span:
        _log(stream, "json", scrub)
    entry = json.loads(stream.getvalue())
    assert "maria" not in stream.getvalue().lower()
    assert "[NAME]" in entry["message"] and "[NAME]" in entry["heard"]
    assert entry["call_id"] == CALL_ID
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])
    assert (entry["level"], entry["logger"], entry["version"]) == ("info", "gateway.call", "v7")
    assert entry["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert entry["span_id"] == format(span.get_span_context().span_id, "016x")


@pytest.mark.usefixtures("restore_root_logger")
def test_text_lines_keep_their_timestamp_and_scrub_the_rest(scrub: Scrubber) -> None:
    stream = io.StringIO()
    _log(stream, "text", scrub)
    line = stream.getvalue().strip()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
    assert re.match(stamp + r" gateway INFO gateway\.call: ", line), line
    assert "maria" not in line.lower() and "[NAME]" in line
    assert f"call_id={CALL_ID}" in line


@pytest.mark.usefixtures("restore_root_logger")
def test_auto_format_is_text_on_a_terminal_and_json_elsewhere(scrub: Scrubber) -> None:
    piped = io.StringIO()
    _log(piped, "auto", scrub)
    assert json.loads(piped.getvalue())["call_id"] == CALL_ID
    leader, follower = os.openpty()
    try:
        with os.fdopen(follower, "w", closefd=False) as terminal:
            _log(terminal, "auto", scrub)
            terminal.flush()
        written = os.read(leader, 4096).decode()
    finally:
        os.close(leader)
        os.close(follower)
    assert written.lstrip()[0].isdigit() and "gateway INFO" in written


def test_exported_spans_are_scrubbed_except_our_ids(scrub: Scrubber) -> None:
    exporter = InMemorySpanExporter()
    provider = make_tracer_provider("orchestrator", "v7", exporters=[exporter], scrub=scrub)
    with provider.get_tracer("t").start_as_current_span(
        "orchestrator.turn",
        attributes={"frontdesk.call_id": CALL_ID, "frontdesk.text": SAID, "frontdesk.step": 2},
    ) as span:
        span.add_event("heard", {"text": "Maria Lopez"})
    provider.shutdown()
    (exported,) = exporter.get_finished_spans()
    assert exported.attributes is not None
    assert exported.attributes["frontdesk.call_id"] == CALL_ID
    assert exported.attributes["frontdesk.step"] == 2
    assert "maria" not in str(exported.attributes["frontdesk.text"]).lower()
    assert "maria" not in str(exported.events[0].attributes).lower()


def test_no_exporter_without_an_endpoint() -> None:
    provider = make_tracer_provider("gateway", "v7")
    assert provider._active_span_processor._span_processors == ()  # spans stay in the process
    # ... and none is recorded, though each still has ids for logs and propagation.
    with provider.get_tracer("t").start_as_current_span("turn") as span:
        assert not span.is_recording()
        assert span.get_span_context().is_valid


def test_otlp_url_from_an_endpoint() -> None:
    assert otlp_traces_url("http://collector:4318") == "http://collector:4318/v1/traces"
    assert otlp_traces_url("http://c:4318/v1/traces/") == "http://c:4318/v1/traces"


def test_registry_holds_the_contract_process_metrics_and_slo_buckets() -> None:
    metrics = Metrics.create()
    metrics.turn_latency.labels(version="v7", orchestrator_version="v3").observe(0.25)
    text = generate_latest(metrics.registry).decode()
    assert "process_cpu_seconds_total" in text and "python_gc_objects_collected_total" in text
    for bound in ("0.3", "0.7", "1.2"):
        assert (
            f'frontdesk_turn_latency_seconds_bucket{{le="{bound}",orchestrator_version="v3",'
            'version="v7"} 1.0' in text
        )
    assert (
        'frontdesk_turn_latency_seconds_bucket{le="0.2",orchestrator_version="v3",version="v7"} 0.0'
        in text
    )
    for name in (
        "frontdesk_turns_total",
        "frontdesk_calls_total",
        "frontdesk_handoffs_total",
        "frontdesk_llm_requests_total",
        "frontdesk_llm_ttft_seconds",
        "frontdesk_llm_cost_usd_total",
        "frontdesk_llm_provider_healthy",
        "frontdesk_phi_leaks_total",
        "frontdesk_phi_redactions_total",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name
