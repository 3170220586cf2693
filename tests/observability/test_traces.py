"""One trace per turn across the services, and traces leaving over OTLP without PHI.

The whole stack runs in this process (real NATS, real ports). Spans go to an in-memory exporter
(what each service's tracer provider hands its exporters, scrubbed), or, with
``FRONTDESK_OTLP_ENDPOINT`` set, over OTLP/HTTP to a local collector double that decodes what a
real collector would receive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from servicekit.testing import NatsServer

from ..e2e.stack import Stack
from ..e2e.test_phi_leaks import MARIA, SMITH, _talk, leaks_in
from .collector import OtlpCollector

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


def _by_trace(spans: Iterable[tuple[str, str, str]]) -> dict[str, list[tuple[str, str]]]:
    """(trace id, service, span name) -> {trace id: [(service, name)]}."""
    traces: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for trace_id, service, name in spans:
        traces[trace_id].append((service, name))
    return traces


def _check_turn_traces(traces: dict[str, list[tuple[str, str]]], spoken: int) -> int:
    """Every turn is its own trace rooted at the gateway; returns how many reached >= 3
    services."""
    turn_traces = {
        tid: spans for tid, spans in traces.items() if ("gateway", "gateway.turn") in spans
    }
    # The greeting and each line said: a trace each, one gateway root and one orchestrator turn.
    assert len(turn_traces) >= spoken + 1
    assert all(spans.count(("gateway", "gateway.turn")) == 1 for spans in turn_traces.values())
    assert all(
        spans.count(("orchestrator", "orchestrator.turn")) == 1 for spans in turn_traces.values()
    )
    wide = 0
    for spans in turn_traces.values():
        services = {service for service, _ in spans}
        names = {name for _, name in spans}
        assert "orchestrator" in services and "orchestrator.turn" in names, spans
        assert "policy.step" in names
        if any(name.startswith("tool ") for name in names):
            assert services & {"scheduler_adapter", "handoff"}, spans
        wide += len(services) >= 3
    return wide


async def test_one_trace_per_turn_with_spans_from_three_services(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    exporter = InMemorySpanExporter()
    async with Stack.start(nats_server.url, state_dir=tmp_path, span_exporters=[exporter]) as stack:
        await _talk(stack, "trace-call-1", "+15550100201", MARIA)
    spoken = len(MARIA)  # the booking call says every line
    spans = exporter.get_finished_spans()
    traces = _by_trace(
        (
            format(span.context.trace_id, "032x"),
            str(span.resource.attributes["service.name"]),
            span.name,
        )
        for span in spans
    )
    wide = _check_turn_traces(traces, spoken)
    # The booking's identity check, slot search, hold and booking each reach the scheduler.
    assert wide >= 3, {tid: sorted(set(s)) for tid, s in traces.items()}
    tool_spans = [span for span in spans if span.name.startswith("tool ")]
    assert {span.name for span in tool_spans} >= {"tool VerifyIdentity", "tool FindSlots"}
    # A tool's span is a child of a policy step's trace, never a root.
    assert all(span.parent is not None for span in tool_spans)


async def test_otlp_export_reaches_a_collector_with_no_phi_in_any_attribute(
    nats_server: NatsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OtlpCollector() as collector:
        monkeypatch.setenv("FRONTDESK_OTLP_ENDPOINT", collector.url)
        async with Stack.start(nats_server.url, state_dir=tmp_path) as stack:
            await _talk(stack, "otlp-call-1", "+15550100201", MARIA)
            await _talk(stack, "otlp-call-2", "+15550100202", SMITH)
        # Leaving the stack shut every tracer provider down, which flushes the OTLP batches.
    assert collector.requests > 0
    spans = collector.spans
    traces = _by_trace((span.trace_id, span.service, span.name) for span in spans)
    assert _check_turn_traces(traces, len(MARIA)) >= 3
    assert {span.service for span in spans} >= {"gateway", "orchestrator", "scheduler_adapter"}
    # What was searched carried the conversation, redacted, and our ids unredacted.
    assert any("[NAME]" in text for span in spans for text in span.texts())
    assert any(span.attributes.get("frontdesk.call_id") == "otlp-call-1" for span in spans)
    leaking = [(span.service, span.name, leaks_in(" ".join(span.texts()))) for span in spans]
    assert [leak for leak in leaking if leak[2]] == []
