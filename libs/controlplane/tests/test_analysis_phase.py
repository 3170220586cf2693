"""The analysis core against Argo Rollouts' rules: every sequence of measurement phases up to
six long, for each combination of limits, against an oracle written from the documentation's
wording; then the run's phase, single measurements, and validation."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import pytest

from controlplane.analysis_phase import (
    ERROR_RETRY_INTERVAL,
    ConditionError,
    Measurement,
    MetricResult,
    MetricSpec,
    Phase,
    assess,
    measurement_phase,
    metric_phase,
    next_due,
    run_status,
    validate_metric,
    worst,
)

S, F, I, E = Phase.SUCCESSFUL, Phase.FAILED, Phase.INCONCLUSIVE, Phase.ERROR  # noqa: E741


def oracle(
    phases: Sequence[Phase],
    *,
    count: int | None,
    failure_limit: int,
    inconclusive_limit: int,
    error_limit: int,
    success_limit: int = 0,
) -> Phase:
    """The documented rules, read one prefix at a time: the first prefix after which a limit is
    passed or the count is reached decides; Error over Inconclusive over Failed."""
    for end in range(1, len(phases) + 1):
        seen = phases[:end]
        trailing_errors = len(seen) - len(list(itertools.dropwhile(lambda p: p is E, seen[::-1])))
        trailing_success = len(seen) - len(list(itertools.dropwhile(lambda p: p is S, seen[::-1])))
        non_error = [p for p in seen if p is not E]
        if trailing_errors > error_limit:
            return E
        if non_error.count(I) > inconclusive_limit:
            return I
        if failure_limit >= 0 and non_error.count(F) > failure_limit:
            return F
        if success_limit and trailing_success >= success_limit:
            return S
        if count is not None and len(non_error) >= count:
            if success_limit:
                return I if failure_limit >= 0 else F
            return S
    return Phase.RUNNING if phases else Phase.PENDING


LIMITS = [
    # count, failure_limit, inconclusive_limit, consecutive_error_limit, consecutive_success
    (None, None, None, None, None),
    (3, None, None, None, None),
    (5, 1, None, None, None),
    (5, 2, 1, 1, None),
    (6, 0, 2, 0, None),
    (4, -1, None, 2, 2),
    (5, 1, None, None, 2),
    (None, 3, 3, 3, None),
]


@pytest.mark.parametrize(("count", "fl", "il", "el", "sl"), LIMITS)
def test_every_sequence_up_to_six_measurements(
    count: int | None, fl: int | None, il: int | None, el: int | None, sl: int | None
) -> None:
    metric = MetricSpec(
        "m",
        interval=1.0,
        count=count,
        failure_limit=fl,
        inconclusive_limit=il,
        consecutive_error_limit=el,
        consecutive_success_limit=sl,
    )
    checked = 0
    for length in range(7):
        for phases in itertools.product((S, F, I, E), repeat=length):
            expected = oracle(
                phases,
                count=count,
                failure_limit=0 if fl is None else fl,
                inconclusive_limit=il or 0,
                error_limit=4 if el is None else el,
                success_limit=sl or 0,
            )
            assert assess(metric, phases) is expected, (phases, expected)
            checked += 1
    assert checked == sum(4**n for n in range(7))


def test_documented_examples() -> None:
    # "failureLimit: 3 ... the analysis is Failed after the 4th failed measurement"
    metric = MetricSpec("success-rate", interval=300, failure_limit=3)
    assert assess(metric, [F, F, F]) is Phase.RUNNING
    assert assess(metric, [F, F, F, S, F]) is F
    # Default limits: one failure fails, one inconclusive is inconclusive, 5 errors in a row.
    default = MetricSpec("m", interval=60, count=10)
    assert assess(default, [S, F]) is F
    assert assess(default, [S, I]) is I
    assert assess(default, [E, E, E, E]) is Phase.RUNNING
    assert assess(default, [E, E, E, E, E]) is E
    assert assess(default, [E, E, E, E, S, E, E, E, E]) is Phase.RUNNING  # streak reset
    # No count and no interval: a single measurement.
    once = MetricSpec("once")
    assert once.effective_count == 1
    assert assess(once, [S]) is S
    assert assess(once, [E]) is Phase.RUNNING  # an error does not count: it is retried
    # failureLimit -1 with consecutiveSuccessLimit 3 (docs: only consecutiveSuccessLimit)
    only_success = MetricSpec(
        "m", interval=1, count=5, failure_limit=-1, consecutive_success_limit=3
    )
    assert assess(only_success, [F, F, S, S, S]) is S
    assert assess(only_success, [F, S, S, F, S]) is F  # count reached without the streak
    both = MetricSpec("m", interval=1, count=5, failure_limit=2, consecutive_success_limit=3)
    assert assess(both, [F, S, S, F, S]) is I  # neither limit decided
    assert assess(both, [F, F, F]) is F


def test_later_measurements_are_never_taken_once_a_metric_completed() -> None:
    metric = MetricSpec("m", interval=1, count=2)
    assert assess(metric, [S, S, F, F]) is S


def test_tallies_after_each_step() -> None:
    result = MetricResult()
    steps = [
        (S, dict(count=1, successful=1, consecutive_success=1, consecutive_error=0)),
        (E, dict(count=1, error=1, consecutive_error=1, consecutive_success=0)),
        (E, dict(count=1, error=2, consecutive_error=2)),
        (F, dict(count=2, failed=1, consecutive_error=0, consecutive_success=0)),
        (I, dict(count=3, inconclusive=1, consecutive_error=0)),
        (S, dict(count=4, successful=2, consecutive_success=1)),
    ]
    for phase, expected in steps:
        result = result.record(Measurement(phase))
        for name, value in expected.items():
            assert getattr(result, name) == value, (phase, name)
    assert [m.phase for m in result.measurements] == [S, E, E, F, I, S]


def test_a_measurement_is_completed() -> None:
    with pytest.raises(ValueError):
        Measurement(Phase.RUNNING)


def test_terminating_metric_without_failures_is_successful() -> None:
    metric = MetricSpec("background", interval=60)  # runs until the run ends
    assert metric_phase(metric, MetricResult()) is Phase.PENDING
    assert metric_phase(metric, MetricResult(), terminating=True) is S
    ran = MetricResult().record(Measurement(S))
    assert metric_phase(metric, ran) is Phase.RUNNING
    assert metric_phase(metric, ran, terminating=True) is S
    failed = ran.record(Measurement(F))
    assert metric_phase(metric, failed, terminating=True) is F


def _results(**phases: Sequence[Phase]) -> dict[str, MetricResult]:
    out = {}
    for name, sequence in phases.items():
        result = MetricResult()
        for phase in sequence:
            result = result.record(Measurement(phase, message=f"{name} said {phase.value}"))
        out[name] = result
    return out


def test_run_is_the_worst_metric_and_terminates_the_others() -> None:
    latency = MetricSpec("latency", interval=1, count=3)
    errors = MetricSpec("errors", interval=1, count=3)
    specs = [latency, errors]
    running = run_status(specs, _results(latency=[S], errors=[S]))
    assert running.phase is Phase.RUNNING and not running.terminating
    assert running.metrics == {"latency": Phase.RUNNING, "errors": Phase.RUNNING}

    first = run_status(specs, _results(latency=[S], errors=[S, F]))
    assert first.metrics == {"latency": Phase.RUNNING, "errors": F}
    assert first.terminating and first.phase is Phase.RUNNING  # Argo decides at the next pass
    final = run_status(specs, _results(latency=[S], errors=[S, F]), previous=first.metrics)
    assert final.phase is F
    assert final.metrics == {"latency": S, "errors": F}
    assert final.message == (
        'Metric "errors" assessed Failed due to failed (1) > failureLimit (0): '
        '"Error Message: errors said Failed"'
    )

    done = run_status(specs, _results(latency=[S, S, S], errors=[S, S, S]))
    assert done.phase is S and done.message == ""
    # A metric not yet measured keeps the run Running.
    assert run_status(specs, _results(latency=[S, S, S])).phase is Phase.RUNNING


def test_worst_order() -> None:
    assert worst([S, I, E]) is E
    assert worst([E, F]) is F
    assert worst([S, Phase.RUNNING]) is Phase.RUNNING
    assert worst([I, Phase.PENDING]) is I
    with pytest.raises(ValueError):
        worst([])


def test_dry_run_metrics_never_decide() -> None:
    real = MetricSpec("real", interval=1, count=2)
    trial = MetricSpec("trial", interval=1, count=2, dry_run=True)
    status = run_status([real, trial], _results(real=[S], trial=[F]))
    assert status.metrics["trial"] is F and not status.terminating
    status = run_status([real, trial], _results(real=[S, S], trial=[F]), previous=status.metrics)
    assert status.phase is S


def test_terminate_request_ends_a_run_successfully_unless_something_failed() -> None:
    background = MetricSpec("bg", interval=1)
    assert run_status([background], _results(bg=[S, S]), terminate=True).phase is S
    assert run_status([background], {}, terminate=True).phase is S


def fake_conditions(table: dict[str, object]) -> object:
    """Conditions as Python callables (the expr-lang evaluator is tested on its own)."""

    def evaluate(condition: str, result: object) -> bool:
        try:
            answer = table[condition](result)  # type: ignore[operator]
        except (IndexError, TypeError) as error:
            raise ConditionError(str(error)) from error
        return answer  # type: ignore[no-any-return]

    return evaluate


CONDITIONS = fake_conditions(
    {
        "result[0] < 0.7": lambda r: r[0] < 0.7,
        "result[0] > 1.0": lambda r: r[0] > 1.0,
        "len(result) == 0 || result[0] < 0.7": lambda r: len(r) == 0 or r[0] < 0.7,
        "result[0]": lambda r: r[0],
    }
)


@pytest.mark.parametrize(
    ("success", "failure", "result", "expected"),
    [
        ("result[0] < 0.7", "", [0.5], S),
        ("result[0] < 0.7", "", [0.9], F),
        ("result[0] < 0.7", "", [math.nan], F),  # NaN compares false: not successful
        ("", "result[0] > 1.0", [0.9], S),
        ("", "result[0] > 1.0", [1.5], F),
        ("result[0] < 0.7", "result[0] > 1.0", [0.9], I),  # between: neither
        ("result[0] < 0.7", "result[0] > 1.0", [0.5], S),
        ("result[0] < 0.7", "result[0] > 1.0", [1.5], F),
        ("", "", [1.5], S),
        ("result[0] < 0.7", "", [], E),  # no data: an error, counted against consecutive errors
        ("len(result) == 0 || result[0] < 0.7", "", [], S),
        ("result[0]", "", [0.5], E),  # not a boolean
    ],
)
def test_one_measurement(success: str, failure: str, result: list[float], expected: Phase) -> None:
    metric = MetricSpec("m", success_condition=success, failure_condition=failure)
    phase, message = measurement_phase(metric, result, CONDITIONS)  # type: ignore[arg-type]
    assert phase is expected
    assert bool(message) == (expected is E)
    if expected is E and not result:
        assert "no data returned from the metric provider" in message


def test_schedule() -> None:
    metric = MetricSpec("m", interval=5, count=3, initial_delay=2)
    assert next_due(metric, None, started=100, last_finished=None) == 102
    one = MetricResult().record(Measurement(S))
    assert next_due(metric, one, started=100, last_finished=103) == 108
    errored = one.record(Measurement(E))
    assert next_due(metric, errored, started=100, last_finished=108) == 108 + ERROR_RETRY_INTERVAL
    three = one.record(Measurement(S)).record(Measurement(F))
    assert next_due(metric, three, started=100, last_finished=120) is None
    single = MetricSpec("single")
    assert next_due(single, one, started=0, last_finished=1) is None
    assert next_due(single, MetricResult().record(Measurement(E)), started=0, last_finished=1) == (
        1 + ERROR_RETRY_INTERVAL
    )


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (dict(consecutive_success_limit=-1), "consecutiveSuccessLimit must be >= 0"),
        (dict(failure_limit=-2), "failureLimit must be >= 0, or -1"),
        (dict(failure_limit=-1), "cannot both be disabled"),
        (dict(inconclusive_limit=-1), "inconclusiveLimit must be >= 0"),
        (dict(consecutive_error_limit=-1), "consecutiveErrorLimit must be >= 0"),
        (dict(count=2, failure_limit=3, interval=1), "count (2) must be >= failureLimit"),
        (dict(count=2, inconclusive_limit=3, interval=1), "count must be >= inconclusiveLimit"),
        (dict(count=3), "interval must be specified when count > 1"),
    ],
)
def test_invalid_metrics_are_refused(fields: dict[str, int], problem: str) -> None:
    with pytest.raises(ValueError, match="metric 'm'") as raised:
        MetricSpec("m", **fields)  # type: ignore[arg-type]
    assert problem in str(raised.value)


def test_valid_metric_has_no_problems() -> None:
    assert validate_metric(MetricSpec("m", interval=1, count=5, failure_limit=2)) == []
