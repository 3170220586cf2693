"""The metrics that SLOs and canary analysis read. Their names and labels are a contract with
``gitops/`` (recording rules, AnalysisTemplates): change them there in the same commit.

Every metric carries ``version``, the emitting service's version. Turn and call metrics, recorded
at the gateway, also carry ``orchestrator_version``, the version the call is pinned to.

Who emits what: the gateway the turn and call metrics, handoff ``frontdesk_handoffs_total``,
phi_filter the PHI ones, llm_router the ``frontdesk_llm_*`` ones. Every service's registry also
holds the process metrics (``process_*``, ``python_gc_*``, ``python_info``) and faststream's
NATS metrics (``faststream_*``: messages received, published, processing time, in flight, by
subject), from :func:`bus_metrics_middleware`.
"""

from __future__ import annotations

from dataclasses import dataclass
from threading import Thread
from typing import Any
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    start_http_server,
)

# Turn latency buckets straddle the SLO (p50 0.3 s, p95 0.7 s, p99 1.2 s): each threshold is a
# bucket bound, so "share of turns under the threshold" is exact, not interpolated.
TURN_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.2, 1.5, 2.0, 3.0, 5.0)
# Outcome label values: series for each are created at zero as soon as their other labels are
# known, so a ratio's numerator exists (as 0) before its first event and rate() sees it from the
# start instead of missing the first increment.
TURN_OUTCOMES = ("ok", "error", "interrupted")
CALL_OUTCOMES = ("contained", "handoff", "abandoned", "refused", "error")

# Time to first token: the model's share of the turn budget.
LLM_TTFT_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0)


def _with_process_metrics(registry: CollectorRegistry) -> CollectorRegistry:
    # prometheus_client's process, platform and GC collectors are plain collectors; the same
    # instances can be registered in any number of registries.
    for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(collector)
    return registry


def bus_metrics_middleware(registry: CollectorRegistry, service: str) -> Any:
    """faststream's Prometheus middleware for the NATS broker, into ``registry``."""
    from faststream.nats.prometheus import NatsPrometheusMiddleware

    return NatsPrometheusMiddleware(registry=registry, app_name=service)


@dataclass(frozen=True)
class Metrics:
    """The contract metrics, registered in one registry."""

    registry: CollectorRegistry
    turn_latency: Histogram
    turns: Counter
    calls: Counter
    handoffs: Counter
    llm_requests: Counter
    llm_ttft: Histogram
    llm_cost: Counter
    llm_provider_healthy: Gauge
    phi_leaks: Counter
    phi_redactions: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None) -> Metrics:
        """The contract metrics in ``registry``; a new one (with process metrics) by default."""
        registry = registry or _with_process_metrics(CollectorRegistry())
        call_labels = ("version", "orchestrator_version")
        return cls(
            registry=registry,
            turn_latency=Histogram(
                "frontdesk_turn_latency_seconds",
                "Final caller prompt received to first reply token sent, at the gateway.",
                call_labels,
                buckets=TURN_LATENCY_BUCKETS,
                registry=registry,
            ),
            turns=Counter(
                "frontdesk_turns_total",
                "Turns by outcome (ok, error, interrupted).",
                (*call_labels, "outcome"),
                registry=registry,
            ),
            calls=Counter(
                "frontdesk_calls_total",
                "Calls by outcome (contained, handoff, abandoned, refused, error).",
                (*call_labels, "outcome"),
                registry=registry,
            ),
            handoffs=Counter(
                "frontdesk_handoffs_total",
                "Handoffs created, by whether every required field was present.",
                ("version", "complete"),
                registry=registry,
            ),
            llm_requests=Counter(
                "frontdesk_llm_requests_total",
                "Model requests by route, canary variant, provider, model and outcome.",
                ("version", "route", "variant", "provider", "model", "outcome"),
                registry=registry,
            ),
            llm_ttft=Histogram(
                "frontdesk_llm_ttft_seconds",
                "Model time to first token.",
                ("version", "route", "variant", "provider", "model"),
                buckets=LLM_TTFT_BUCKETS,
                registry=registry,
            ),
            llm_cost=Counter(
                "frontdesk_llm_cost_usd_total",
                "Model spend in US dollars.",
                ("version", "route", "variant", "provider", "model"),
                registry=registry,
            ),
            llm_provider_healthy=Gauge(
                "frontdesk_llm_provider_healthy",
                "1 when the provider's circuit breaker is closed.",
                ("version", "route", "variant", "provider"),
                registry=registry,
            ),
            phi_leaks=Counter(
                "frontdesk_phi_leaks_total",
                "Unredacted PHI found by the leak detector.",
                ("version", "origin", "entity"),
                registry=registry,
            ),
            phi_redactions=Counter(
                "frontdesk_phi_redactions_total",
                "Identifiers redacted, by entity.",
                ("version", "entity"),
                registry=registry,
            ),
        )


class MetricsServer:
    """The ``/metrics`` HTTP endpoint, on a thread of its own."""

    def __init__(self, registry: CollectorRegistry, host: str, port: int) -> None:
        result: Any = start_http_server(port, addr=host, registry=registry)
        self._server: WSGIServer = result[0]
        self._thread: Thread = result[1]
        self.port: int = self._server.server_port

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
