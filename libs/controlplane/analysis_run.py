"""Running an AnalysisTemplate's metrics against a Prometheus, with Argo's timing and phases.

    outcome = run_analysis(
        metrics,                                   # analysis_template.PrometheusMetric list
        query=prometheus_query(PrometheusClient(url)),
        evaluate=conditions,                       # (condition, result) -> bool
        on_measurement=print,
    )
    outcome.phase                                  # Phase.SUCCESSFUL / FAILED / ...

The shell around :mod:`controlplane.analysis_phase`: it keeps each metric's schedule (the first
measurement after ``initialDelay``, the next ``interval`` after the last one finished, 10 s after
an Error), asks Prometheus, turns the answer into the value Argo's Prometheus provider passes to
the conditions (a vector or matrix: a list of floats, possibly empty; a scalar: a float), and
stops when the run completes. ``clock`` and ``sleep`` are passed in, so tests run a whole schedule
without waiting.

Where this departs from Argo (documented in ``frontdesk rollout analyze --help`` too):

- metrics due at the same moment are measured one after another, not in parallel;
- a metric with an ``interval`` and no ``count`` runs until ``timeout`` (Argo: until the rollout
  ends the run); reaching it terminates the run as Argo's ``terminate`` does (metrics that did
  not fail count as Successful);
- only the Prometheus provider; the Prometheus URL is the one given, not the template's address.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from controlplane.analysis_phase import (
    ConditionError,
    ConditionEvaluator,
    Measurement,
    MetricResult,
    Phase,
    RunStatus,
    measurement_phase,
    next_due,
    run_status,
)
from controlplane.analysis_template import PrometheusMetric
from controlplane.prometheus import PrometheusClient, PrometheusError

# A PromQL query -> what Argo's provider passes to the conditions; raises QueryError.
Query = Callable[[str], "float | list[float]"]


class QueryError(RuntimeError):
    """Prometheus could not answer (the measurement is an Error, the run goes on)."""


@dataclass(frozen=True)
class Taken:
    """One measurement as printed: which metric, its number, seconds since the run started."""

    metric: str
    number: int
    at: float
    measurement: Measurement


@dataclass
class Outcome:
    status: RunStatus
    results: dict[str, MetricResult] = field(default_factory=dict)
    taken: list[Taken] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def phase(self) -> Phase:
        return self.status.phase


def format_value(result: float | list[float]) -> str:
    """The value as Argo's provider records it: ``0.25``, ``[0.25,NaN]``, ``[]``."""
    if isinstance(result, list):
        return "[" + ",".join(_number(v) for v in result) + "]"
    return _number(result)


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value) if value != int(value) else str(int(value))


def prometheus_query(client: PrometheusClient) -> Query:
    """Queries through ``client`` and shapes the answer as Argo's Prometheus provider does."""

    def query(expr: str) -> float | list[float]:
        try:
            kind, data = client.instant(expr)
        except PrometheusError as error:
            raise QueryError(str(error)) from error
        if kind == "scalar":
            return float(data[1])
        if kind == "vector":
            return [float(item["value"][1]) for item in data]
        if kind == "matrix":
            return [float(v) for item in data for _, v in item["values"]]
        raise QueryError("Prometheus metric type not supported")

    return query


def argo_condition(condition: str, result: object) -> bool:
    """A condition evaluated as Argo Rollouts evaluates it (expr-lang, :mod:`argoexpr`); an
    expression that fails to compile or run is a :class:`ConditionError` (a measurement Error,
    as in Argo)."""
    from controlplane import argoexpr

    try:
        return argoexpr.condition(condition, result)
    except argoexpr.ExprError as error:
        raise ConditionError(str(error)) from error


def unsupported_conditions(metrics: Sequence[PrometheusMetric]) -> list[str]:
    """Conditions outside the expr-lang subset :mod:`argoexpr` evaluates: the phase Argo would
    give them is unknown here, so a run refuses to start on them."""
    from controlplane import argoexpr

    problems = []
    for metric in metrics:
        for kind, text in (
            ("successCondition", metric.spec.success_condition),
            ("failureCondition", metric.spec.failure_condition),
        ):
            if not text:
                continue
            try:
                argoexpr.compile_expression(text)
            except argoexpr.ExprUnsupported as error:
                problems.append(f"{metric.spec.name}: {kind} {text!r}: {error}")
            except argoexpr.ExprError:
                pass  # Argo compiles at each measurement: an Error measurement, as there
    return problems


def run_analysis(
    metrics: Sequence[PrometheusMetric],
    *,
    query: Query,
    evaluate: ConditionEvaluator,
    on_measurement: Callable[[Taken], None] = lambda taken: None,
    timeout: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Measures until the run completes (or ``timeout`` seconds pass: terminated)."""
    if not metrics:
        raise ValueError("no metrics to run")
    specs = [m.spec for m in metrics]
    started = clock()
    outcome = Outcome(RunStatus(Phase.PENDING))
    results = outcome.results
    finished: dict[str, float] = {}
    previous: dict[str, Phase] = {}
    while True:
        status = run_status(specs, results, previous=previous)
        previous = dict(status.metrics)
        if status.terminating:
            # Argo ends the run at its next assessment: whatever has not failed is Successful.
            status = run_status(specs, results, previous=previous)
            break
        if status.phase.completed:
            break
        due: list[tuple[float, PrometheusMetric]] = []
        for metric in metrics:
            if previous.get(metric.spec.name, Phase.PENDING).completed:
                continue
            when = next_due(
                metric.spec,
                results.get(metric.spec.name),
                started=started,
                last_finished=finished.get(metric.spec.name),
            )
            if when is not None:
                due.append((when, metric))
        if not due:  # nothing left to measure, yet not complete: cannot happen with valid specs
            status = run_status(specs, results, previous=previous, terminate=True)
            break
        soonest = min(when for when, _ in due)
        if timeout is not None and soonest - started > timeout:
            status = run_status(specs, results, previous=previous, terminate=True)
            break
        wait = soonest - clock()
        if wait > 0:
            sleep(wait)
        for when, metric in due:
            if when > soonest:
                continue
            measurement = _measure(metric, query, evaluate)
            name = metric.spec.name
            result = results.get(name, MetricResult()).record(measurement)
            results[name] = result
            finished[name] = clock()
            taken = Taken(name, len(result.measurements), finished[name] - started, measurement)
            outcome.taken.append(taken)
            on_measurement(taken)
    outcome.status = status
    outcome.elapsed = clock() - started
    return outcome


def _measure(metric: PrometheusMetric, query: Query, evaluate: ConditionEvaluator) -> Measurement:
    try:
        result = query(metric.query)
    except QueryError as error:
        return Measurement(Phase.ERROR, message=str(error))
    phase, message = measurement_phase(metric.spec, result, evaluate)
    return Measurement(phase, format_value(result), message)
