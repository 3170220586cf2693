"""Argo Rollouts' analysis semantics as a pure core: measurements in, phases out.

    metric = MetricSpec(name="error-ratio", interval=60, count=5, failure_limit=1)
    result = MetricResult()
    for phase in (Phase.SUCCESSFUL, Phase.FAILED, Phase.FAILED):
        result = result.record(Measurement(phase, value="[0.2]"))
        if metric_phase(metric, result).completed:
            break
    metric_phase(metric, result)                       # Phase.FAILED: 2 failures > limit 1
    measurement_phase(metric, [0.2], evaluate)         # one query result -> one measurement

Follows the analysis controller of argoproj/argo-rollouts (``analysis/analysis.go``,
``utils/evaluate/evaluate.go``, ``utils/analysis/helpers.go``), read and re-stated here:

- A measurement is Successful, Failed, Inconclusive or Error. Conditions: with only a success
  condition, not-success is Failed; with only a failure condition, not-failure is Successful; with
  both and neither true, Inconclusive; with none, Successful. A condition that cannot be evaluated
  (``result[0]`` on ``[]``, a non-boolean answer) makes the measurement Error.
- Successful, Failed and Inconclusive measurements count towards ``count``; Error ones do not and
  reset nothing but the success streak; any other phase resets the consecutive-error streak.
- A metric is Failed when failures > ``failureLimit`` (default 0; -1: never), Inconclusive when
  inconclusives > ``inconclusiveLimit`` (default 0), Error when consecutive errors >
  ``consecutiveErrorLimit`` (default 4); when several hold, Error wins over Inconclusive, which
  wins over Failed (the order Argo assigns them in). Otherwise: Successful when
  ``consecutiveSuccessLimit`` is reached, or when ``count`` measurements are taken (then
  Inconclusive if a consecutive-success limit was set besides a failure limit, Failed if only a
  consecutive-success limit was set); else still Running.
- ``count`` unset with no ``interval``: one measurement. ``interval`` without ``count``: measured
  until the run ends.
- A run is the worst of its metrics (Successful < Running < Pending < Inconclusive < Error <
  Failed) once every metric completed. When one metric ends Failed, Error or Inconclusive the run
  terminates: metrics still running without having failed count as Successful, and dry-run
  metrics never decide the run.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4
# Argo retries a measurement that errored after this many seconds, whatever the interval.
ERROR_RETRY_INTERVAL = 10.0


class Phase(enum.Enum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    ERROR = "Error"
    INCONCLUSIVE = "Inconclusive"

    @property
    def completed(self) -> bool:
        return self not in (Phase.PENDING, Phase.RUNNING)


# Best to worst, as Argo ranks completed phases when it picks a run's phase.
_ORDER = (
    Phase.SUCCESSFUL,
    Phase.RUNNING,
    Phase.PENDING,
    Phase.INCONCLUSIVE,
    Phase.ERROR,
    Phase.FAILED,
)


def worst(phases: Sequence[Phase]) -> Phase:
    """The worst of ``phases`` in Argo's order (Failed is the worst)."""
    if not phases:
        raise ValueError("no phases")
    return max(phases, key=_ORDER.index)


class ConditionError(ValueError):
    """A condition could not be evaluated on a result (a measurement Error, not a crash)."""


# (condition, result) -> the condition's boolean value; raises ConditionError otherwise.
ConditionEvaluator = Callable[[str, object], bool]


@dataclass(frozen=True)
class MetricSpec:
    """What the core needs of one metric of an AnalysisTemplate (args already substituted).

    ``interval`` and ``initial_delay`` are in seconds (None: unset); ``count`` None is unset (0
    counts as unset, as in Argo).
    """

    name: str
    success_condition: str = ""
    failure_condition: str = ""
    interval: float | None = None
    initial_delay: float = 0.0
    count: int | None = None
    failure_limit: int | None = None
    inconclusive_limit: int | None = None
    consecutive_error_limit: int | None = None
    consecutive_success_limit: int | None = None
    dry_run: bool = False

    def __post_init__(self) -> None:
        problems = validate_metric(self)
        if problems:
            raise ValueError(f"metric {self.name!r}: {'; '.join(problems)}")

    @property
    def effective_count(self) -> int | None:
        """Measurements to take: ``count``; 1 without count and interval; None: unbounded."""
        if not self.count:
            return None if self.interval is not None else 1
        return self.count


def validate_metric(metric: MetricSpec) -> list[str]:
    """Argo's ``ValidateMetric`` rules on limits, count and interval (empty: valid)."""
    problems: list[str] = []
    count = metric.count or 0
    failure_limit = 0 if metric.failure_limit is None else metric.failure_limit
    success_limit = metric.consecutive_success_limit or 0
    inconclusive_limit = metric.inconclusive_limit or 0
    if success_limit < 0:
        problems.append("consecutiveSuccessLimit must be >= 0")
    if failure_limit < -1:
        problems.append("failureLimit must be >= 0, or -1 to be disabled")
    if success_limit == 0 and failure_limit == -1:
        problems.append("failureLimit and consecutiveSuccessLimit cannot both be disabled")
    if inconclusive_limit < 0:
        problems.append("inconclusiveLimit must be >= 0")
    if metric.consecutive_error_limit is not None and metric.consecutive_error_limit < 0:
        problems.append("consecutiveErrorLimit must be >= 0")
    if count > 0:
        if failure_limit >= 0 and count < failure_limit + success_limit:
            problems.append(
                f"count ({count}) must be >= failureLimit + consecutiveSuccessLimit "
                f"({failure_limit} + {success_limit})"
            )
        elif failure_limit < 0 and count < success_limit:
            problems.append("count must be >= consecutiveSuccessLimit")
        if count < inconclusive_limit:
            problems.append("count must be >= inconclusiveLimit")
    if count > 1 and metric.interval is None:
        problems.append("interval must be specified when count > 1")
    if metric.interval is not None and metric.interval < 0:
        problems.append("interval must not be negative")
    if metric.initial_delay < 0:
        problems.append("initialDelay must not be negative")
    return problems


@dataclass(frozen=True)
class Measurement:
    """One completed measurement: its phase, the value as Argo prints it, why (errors)."""

    phase: Phase
    value: str = ""
    message: str = ""

    def __post_init__(self) -> None:
        if not self.phase.completed:
            raise ValueError(f"a measurement is completed, not {self.phase.value}")


@dataclass(frozen=True)
class MetricResult:
    """Tallies of one metric's measurements, as Argo's ``MetricResult`` keeps them."""

    measurements: tuple[Measurement, ...] = ()
    count: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0
    consecutive_error: int = 0
    consecutive_success: int = 0

    def record(self, measurement: Measurement) -> MetricResult:
        """The tallies after ``measurement``."""
        phase = measurement.phase
        measurements = (*self.measurements, measurement)
        if phase is Phase.ERROR:
            return replace(
                self,
                measurements=measurements,
                error=self.error + 1,
                consecutive_error=self.consecutive_error + 1,
                consecutive_success=0,
            )
        return replace(
            self,
            measurements=measurements,
            count=self.count + 1,
            successful=self.successful + (phase is Phase.SUCCESSFUL),
            failed=self.failed + (phase is Phase.FAILED),
            inconclusive=self.inconclusive + (phase is Phase.INCONCLUSIVE),
            consecutive_error=0,
            consecutive_success=self.consecutive_success + 1 if phase is Phase.SUCCESSFUL else 0,
        )


def limit_breach(metric: MetricSpec, result: MetricResult) -> tuple[Phase, str] | None:
    """Failed / Inconclusive / Error with the limit that was passed, or None."""
    breach: tuple[Phase, str] | None = None
    failure_limit = 0 if metric.failure_limit is None else metric.failure_limit
    if failure_limit >= 0 and result.failed > failure_limit:
        breach = (Phase.FAILED, f"failed ({result.failed}) > failureLimit ({failure_limit})")
    inconclusive_limit = metric.inconclusive_limit or 0
    if result.inconclusive > inconclusive_limit:
        breach = (
            Phase.INCONCLUSIVE,
            f"inconclusive ({result.inconclusive}) > inconclusiveLimit ({inconclusive_limit})",
        )
    error_limit = (
        DEFAULT_CONSECUTIVE_ERROR_LIMIT
        if metric.consecutive_error_limit is None
        else metric.consecutive_error_limit
    )
    if result.consecutive_error > error_limit:
        breach = (
            Phase.ERROR,
            f"consecutiveErrors ({result.consecutive_error}) > consecutiveErrorLimit "
            f"({error_limit})",
        )
    return breach


def metric_phase(metric: MetricSpec, result: MetricResult, *, terminating: bool = False) -> Phase:
    """The phase of one metric given its measurements so far (Argo's ``assessMetricStatus``)."""
    if not result.measurements:
        return Phase.SUCCESSFUL if terminating else Phase.PENDING
    breach = limit_breach(metric, result)
    if breach is not None:
        return breach[0]
    success_limit = metric.consecutive_success_limit or 0
    if success_limit > 0 and result.consecutive_success >= success_limit:
        return Phase.SUCCESSFUL
    effective = metric.effective_count
    if effective is not None and result.count >= effective:
        failure_applicable = metric.failure_limit is None or metric.failure_limit >= 0
        if success_limit > 0:
            return Phase.INCONCLUSIVE if failure_applicable else Phase.FAILED
        return Phase.SUCCESSFUL
    return Phase.SUCCESSFUL if terminating else Phase.RUNNING


def assess(metric: MetricSpec, phases: Sequence[Phase]) -> Phase:
    """The metric's phase after measurements with ``phases``, in order; measurements after the
    metric completed are never taken, so they are ignored, as Argo never takes them."""
    result = MetricResult()
    for phase in phases:
        result = result.record(Measurement(phase))
        current = metric_phase(metric, result)
        if current.completed:
            return current
    return metric_phase(metric, result)


@dataclass(frozen=True)
class RunStatus:
    """A run's phase, each metric's phase, and Argo's message for the worst one."""

    phase: Phase
    metrics: Mapping[str, Phase] = field(default_factory=dict)
    message: str = ""
    # A metric (not a dry-run one) ended Failed, Error or Inconclusive: the run ends next pass.
    terminating: bool = False


def run_status(
    metrics: Sequence[MetricSpec],
    results: Mapping[str, MetricResult],
    *,
    previous: Mapping[str, Phase] | None = None,
    terminate: bool = False,
) -> RunStatus:
    """The run's phase (Argo's ``assessRunStatus``). ``previous``: each metric's phase at the
    last assessment (a completed phase never changes); ``terminate``: a stop was requested."""
    previous = previous or {}
    terminating = terminate or any(
        previous.get(m.name) in (Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE)
        for m in metrics
        if not m.dry_run
    )
    phases: dict[str, Phase] = {}
    worst_phase: Phase | None = None
    message = ""
    everything_completed = True
    for metric in metrics:
        result = results.get(metric.name)
        if result is None:
            everything_completed = False
            continue
        before = previous.get(metric.name)
        phase = (
            before
            if before is not None and before.completed
            else metric_phase(metric, result, terminating=terminating)
        )
        phases[metric.name] = phase
        if not phase.completed:
            everything_completed = False
            continue
        if metric.dry_run:
            worst_phase = worst_phase or Phase.SUCCESSFUL
            continue
        if worst_phase is None or _ORDER.index(phase) > _ORDER.index(worst_phase):
            worst_phase = phase
            breach = limit_breach(metric, result)
            if breach is not None:
                message = f'Metric "{metric.name}" assessed {phase.value} due to {breach[1]}'
                last = result.measurements[-1].message if result.measurements else ""
                if last:
                    message += f': "Error Message: {last}"'
    ending = any(
        phases.get(m.name) in (Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE)
        for m in metrics
        if not m.dry_run
    )
    if terminating:
        return RunStatus(worst_phase or Phase.SUCCESSFUL, phases, message, ending)
    if not everything_completed or worst_phase is None:
        return RunStatus(Phase.RUNNING, phases, "", ending)
    return RunStatus(worst_phase, phases, message, ending)


def measurement_phase(
    metric: MetricSpec, result: object, evaluate: ConditionEvaluator
) -> tuple[Phase, str]:
    """The phase of one measurement whose provider returned ``result`` (Argo's
    ``EvaluateResult``), and the error message when it is Error."""
    success = failure = False
    try:
        if metric.success_condition:
            success = _boolean(evaluate(metric.success_condition, result))
    except ConditionError as error:
        return Phase.ERROR, _eval_error("successCondition", metric.success_condition, result, error)
    try:
        if metric.failure_condition:
            failure = _boolean(evaluate(metric.failure_condition, result))
    except ConditionError as error:
        return Phase.ERROR, _eval_error("failureCondition", metric.failure_condition, result, error)
    if not metric.success_condition and not metric.failure_condition:
        return Phase.SUCCESSFUL, ""
    if metric.success_condition and not metric.failure_condition:
        failure = not success
    elif metric.failure_condition and not metric.success_condition:
        success = not failure
    if failure:
        return Phase.FAILED, ""
    if not success:
        return Phase.INCONCLUSIVE, ""
    return Phase.SUCCESSFUL, ""


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise ConditionError(f"expected bool, but got {type(value).__name__}")
    return value


def _eval_error(kind: str, condition: str, result: object, error: Exception) -> str:
    if result is None or (isinstance(result, list | tuple) and not result):
        return (
            f'could not evaluate {kind} "{condition}": metric result is nil or empty: '
            "no data returned from the metric provider"
        )
    return f'could not evaluate {kind} "{condition}": {error}'


def next_due(
    metric: MetricSpec,
    result: MetricResult | None,
    *,
    started: float,
    last_finished: float | None,
) -> float | None:
    """When the metric's next measurement is due (seconds on the run's clock), None when it
    takes no more (count reached). Argo: ``initialDelay`` after the run starts, then
    ``interval`` after the last one finished, ``ERROR_RETRY_INTERVAL`` after an Error."""
    if result is None or not result.measurements:
        return started + metric.initial_delay
    effective = metric.effective_count
    if effective is not None and result.count >= effective:
        return None
    assert last_finished is not None
    if result.measurements[-1].phase is Phase.ERROR:
        return last_finished + ERROR_RETRY_INTERVAL
    if metric.interval is None:
        return None  # Argo: no interval and no error, nothing to requeue
    return last_finished + metric.interval
