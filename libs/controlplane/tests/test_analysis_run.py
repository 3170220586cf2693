"""AnalysisTemplates loaded and resolved as Argo resolves them, and whole analysis runs on a
simulated clock: the schedule (initialDelay, interval, the retry after an Error), the phases,
and what each measurement records. The real Prometheus path is in tests/canary/."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from controlplane.analysis_phase import ConditionError, Phase
from controlplane.analysis_run import QueryError, Taken, format_value, run_analysis
from controlplane.analysis_template import TemplateError, find_template

TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: turn-latency-p95
spec:
  args:
    - name: canary-hash
      valueFrom:
        podTemplateHashValue: Latest
    - name: interval
      value: 1m
    - name: count
      value: "5"
    - name: failure-limit
      value: "1"
    - name: selector
  metrics:
    - name: latency-p95
      interval: "{{args.interval}}"
      count: "{{ args.count }}"
      failureLimit: "{{args.failure-limit}}"
      initialDelay: 2s
      successCondition: result[0] <= 0.7
      provider:
        prometheus:
          address: http://prometheus.monitoring:9090
          query: |
            histogram_quantile(0.95, sum by (le) (rate(
              frontdesk_turn_latency_seconds_bucket{orchestrator_version="{{args.canary-hash}}",{{args.selector}}}[1m])))
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: not-a-template
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "latency.yaml").write_text(TEMPLATE)
    return tmp_path


def test_args_are_substituted_everywhere(folder: Path) -> None:
    template = find_template(folder, "turn-latency-p95")
    [metric] = template.resolve({"canary-hash": "7d9f8c6b5", "selector": 'job="gateway"'})
    assert metric.spec.interval == 60.0 and metric.spec.count == 5
    assert metric.spec.failure_limit == 1 and metric.spec.initial_delay == 2.0
    assert 'orchestrator_version="7d9f8c6b5",job="gateway"' in metric.query
    assert metric.address == "http://prometheus.monitoring:9090"
    [fast] = template.resolve(
        {"canary-hash": "x", "selector": 'job="g"', "interval": "1m30s", "count": "2"}
    )
    assert fast.spec.interval == 90.0 and fast.spec.count == 2


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"selector": "a"}, "comes from podTemplateHashValue: Latest in a cluster"),
        ({"canary-hash": "x"}, 'argument "selector" was not supplied'),
        ({"canary-hash": "x", "selector": "a", "nope": "1"}, "no argument nope"),
        ({"canary-hash": "x", "selector": "a", "count": "many"}, "count: 'many' is not a whole"),
        ({"canary-hash": "x", "selector": "a", "interval": "soon"}, "not a duration"),
        (
            {"canary-hash": "x", "selector": "a", "count": "1", "failure-limit": "3"},
            "count (1) must be >= failureLimit",
        ),
    ],
)
def test_bad_args_name_what_to_fix(folder: Path, given: dict[str, str], message: str) -> None:
    template = find_template(folder, "turn-latency-p95")
    with pytest.raises(TemplateError) as raised:
        template.resolve(given)
    assert message in str(raised.value)


def test_a_value_cannot_break_out_of_its_string(folder: Path) -> None:
    template = find_template(folder, "turn-latency-p95")
    # Escaped only to keep the metric whole (Argo's ResolveQuotedArgs): the query gets the
    # value verbatim, and nothing else in the metric changes.
    [metric] = template.resolve({"canary-hash": 'a", "count": 99}\n', "selector": "b"})
    assert 'orchestrator_version="a", "count": 99}\n",b}' in metric.query
    assert metric.spec.count == 5


def test_unknown_tag_and_missing_template(folder: Path) -> None:
    (folder / "other.yaml").write_text(
        TEMPLATE.replace("turn-latency-p95", "other").replace("{{args.selector}}", "{{args.x}}")
    )
    with pytest.raises(TemplateError, match=r"failed to resolve \{\{args.x\}\}"):
        find_template(folder, "other").resolve({"canary-hash": "h", "selector": "s"})
    with pytest.raises(TemplateError, match=r"no AnalysisTemplate 'nope' .*other, turn-latency"):
        find_template(folder, "nope")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def below(limit: float) -> Callable[[str, object], bool]:
    def evaluate(condition: str, result: object) -> bool:
        assert condition == "result[0] <= 0.7"
        try:
            return bool(result[0] <= limit)  # type: ignore[index]
        except IndexError as error:
            raise ConditionError(str(error)) from error

    return evaluate


def scripted(values: list[object], clock: FakeClock) -> Callable[[str], object]:
    """Answers in order; an exception instance is raised; each query takes 0.5 s."""
    answers = iter(values)

    def query(expr: str) -> object:
        clock.now += 0.5
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return query


def run(folder: Path, values: list[object], **args: str) -> tuple[list[Taken], object, FakeClock]:
    clock = FakeClock()
    metrics = find_template(folder, "turn-latency-p95").resolve(
        {"canary-hash": "h", "selector": "s", "interval": "10s", **args}
    )
    taken: list[Taken] = []
    outcome = run_analysis(
        metrics,
        query=scripted(values, clock),  # type: ignore[arg-type]
        evaluate=below(0.7),
        on_measurement=taken.append,
        clock=clock,
        sleep=clock.sleep,
    )
    return taken, outcome, clock


def test_healthy_run_takes_count_measurements_on_schedule(folder: Path) -> None:
    taken, outcome, clock = run(folder, [[0.2]] * 5)
    assert outcome.phase is Phase.SUCCESSFUL  # type: ignore[attr-defined]
    assert [t.measurement.phase for t in taken] == [Phase.SUCCESSFUL] * 5
    # initialDelay 2 s, each query 0.5 s, then 10 s after the previous one finished.
    assert [t.at for t in taken] == [2.5, 13.0, 23.5, 34.0, 44.5]
    assert taken[0].measurement.value == "[0.2]"
    assert clock.sleeps == [2.0, 10.0, 10.0, 10.0, 10.0]


def test_failure_limit_one_fails_on_the_second_failure(folder: Path) -> None:
    taken, outcome, _ = run(folder, [[0.9], [0.2], [1.4], [0.2]])
    assert outcome.phase is Phase.FAILED  # type: ignore[attr-defined]
    assert len(taken) == 3
    assert "failed (2) > failureLimit (1)" in outcome.status.message  # type: ignore[attr-defined]


def test_errors_are_retried_after_ten_seconds_and_do_not_count(folder: Path) -> None:
    taken, outcome, _ = run(
        folder, [QueryError("down"), [], [0.2], [0.2]], count="2", interval="30s"
    )
    assert [t.measurement.phase for t in taken] == [
        Phase.ERROR,
        Phase.ERROR,
        Phase.SUCCESSFUL,
        Phase.SUCCESSFUL,
    ]
    assert [t.at for t in taken] == [2.5, 13.0, 23.5, 54.0]  # 10 s after errors, 30 s after ok
    assert taken[0].measurement.message == "down"
    assert "no data returned" in taken[1].measurement.message
    assert outcome.phase is Phase.SUCCESSFUL  # type: ignore[attr-defined]


def test_five_errors_in_a_row_are_an_error(folder: Path) -> None:
    taken, outcome, _ = run(folder, [QueryError("down")] * 5)
    assert outcome.phase is Phase.ERROR  # type: ignore[attr-defined]
    assert len(taken) == 5


def test_a_background_metric_ends_at_the_timeout(folder: Path) -> None:
    clock = FakeClock()
    metrics = find_template(folder, "turn-latency-p95").resolve(
        {"canary-hash": "h", "selector": "s", "interval": "10s", "count": "0"}
    )
    assert metrics[0].spec.effective_count is None
    outcome = run_analysis(
        metrics,
        query=scripted([[0.1]] * 100, clock),  # type: ignore[arg-type]
        evaluate=below(0.7),
        timeout=35,
        clock=clock,
        sleep=clock.sleep,
    )
    assert outcome.phase is Phase.SUCCESSFUL
    assert len(outcome.taken) == 4  # at 2.5, 13, 23.5, 34 s; the next would pass 35 s


def test_values_print_as_argo_prints_them() -> None:
    assert format_value([0.25, math.nan, math.inf]) == "[0.25,NaN,+Inf]"
    assert format_value([]) == "[]"
    assert format_value(3.0) == "3"
    assert format_value(-math.inf) == "-Inf"


CONDITIONS = [
    "result[0] >= 0.95",
    "len(result) == 0 || result[0] >= 0.95",
    "len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.95",
    "len(result) > 0 && !isNaN(result[0]) && result[0] < 0.95",
    "default(result[0], 0) < 0.05",
    "all(result, {# < 0.7})",
    "result[0]",
    "",
]


@pytest.mark.parametrize("success", CONDITIONS)
@pytest.mark.parametrize("failure", [*CONDITIONS[2:5], ""])
@pytest.mark.parametrize("result", [[], [math.nan], [0.5], [0.97], [math.inf], 0.97])
def test_measurements_agree_with_the_expr_evaluator(
    success: str, failure: str, result: object
) -> None:
    """The core with Argo's conditions gives each measurement the phase argoexpr.assess gives."""
    from controlplane import argoexpr
    from controlplane.analysis_phase import MetricSpec, measurement_phase
    from controlplane.analysis_run import argo_condition

    expected = argoexpr.assess(result, success=success, failure=failure)
    phase, message = measurement_phase(
        MetricSpec("m", success_condition=success, failure_condition=failure),
        result,
        argo_condition,
    )
    assert phase.value == expected.phase.value
    assert message == expected.message
