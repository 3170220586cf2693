"""Where the gateway records turn and call metrics: a small interface, and the Prometheus one.

The contract metrics live in ``servicekit.metrics`` (names and labels are read by gitops'
recording rules): ``frontdesk_turn_latency_seconds``, ``frontdesk_turns_total{outcome}``,
``frontdesk_calls_total{outcome}``, each labelled with the gateway's ``version`` and the
``orchestrator_version`` the call is pinned to ("" before it is pinned, e.g. refused calls).
"""

from __future__ import annotations

from typing import Protocol

from servicekit import Metrics
from servicekit.metrics import CALL_OUTCOMES, TURN_OUTCOMES


class CallRecorder(Protocol):
    def turn_latency(self, orchestrator_version: str, seconds: float) -> None:
        """Final prompt (or DTMF flush) received -> first reply token sent."""
        ...

    def turn(self, orchestrator_version: str, outcome: str) -> None:
        """One turn finished: ok, error or interrupted."""
        ...

    def call(self, orchestrator_version: str, outcome: str) -> None:
        """One call finished: contained, handoff, abandoned, refused or error."""
        ...


class PrometheusRecorder:
    """Records into the service's contract metrics (``runtime.metrics``)."""

    def __init__(self, metrics: Metrics, version: str) -> None:
        self._metrics = metrics
        self._version = version
        self._known: set[str] = set()

    def _first_sight(self, orchestrator_version: str) -> None:
        # Every outcome's series at zero for a newly seen orchestrator version: error ratios
        # then read 0, not "no data", and rate() counts the first error.
        if orchestrator_version in self._known:
            return
        self._known.add(orchestrator_version)
        labels = {"version": self._version, "orchestrator_version": orchestrator_version}
        self._metrics.turn_latency.labels(**labels)
        for outcome in TURN_OUTCOMES:
            self._metrics.turns.labels(**labels, outcome=outcome)
        for outcome in CALL_OUTCOMES:
            self._metrics.calls.labels(**labels, outcome=outcome)

    def turn_latency(self, orchestrator_version: str, seconds: float) -> None:
        self._first_sight(orchestrator_version)
        self._metrics.turn_latency.labels(
            version=self._version, orchestrator_version=orchestrator_version
        ).observe(seconds)

    def turn(self, orchestrator_version: str, outcome: str) -> None:
        self._first_sight(orchestrator_version)
        self._metrics.turns.labels(
            version=self._version, orchestrator_version=orchestrator_version, outcome=outcome
        ).inc()

    def call(self, orchestrator_version: str, outcome: str) -> None:
        self._first_sight(orchestrator_version)
        self._metrics.calls.labels(
            version=self._version, orchestrator_version=orchestrator_version, outcome=outcome
        ).inc()
