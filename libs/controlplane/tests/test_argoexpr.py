"""The expr-lang evaluator against Argo Rollouts' documented examples and expr-lang's semantics.

The phase tables are docs/features/analysis.md of argo-rollouts ("Handling Metric Results": NaN,
infinity, empty array, Datadog's nil with default()), and the conditions its examples use.
"""

from __future__ import annotations

import math

import pytest

from controlplane.argoexpr import (
    ExprNameError,
    ExprRuntimeError,
    ExprSyntaxError,
    ExprUnsupported,
    Phase,
    assess,
    condition,
    evaluate,
)

NAN = math.nan
INF = math.inf


@pytest.mark.parametrize(
    ("result", "success", "failure", "phase"),
    [
        # NaN: successful, inconclusive, failed (analysis.md, "NaN and Infinity")
        (NAN, "isNaN(result) || result >= 0.95", "", Phase.SUCCESSFUL),
        (NAN, "result >= 0.95", "result < 0.95", Phase.INCONCLUSIVE),
        (NAN, "result >= 0.95", "", Phase.FAILED),
        # +Inf: successful, failed
        (INF, "result >= 0.95", "", Phase.SUCCESSFUL),
        (INF, "", "isInf(result)", Phase.FAILED),
        # empty array (Prometheus): successful, failed
        ([], "len(result) == 0 || result[0] >= 0.95", "", Phase.SUCCESSFUL),
        ([], "len(result) > 0 && result[0] >= 0.95", "", Phase.FAILED),
        # Datadog's nil result handled with default()
        (None, "default(result, 0) < 0.05", "", Phase.SUCCESSFUL),
        # the Prometheus examples
        ([0.97], "result[0] >= 0.95", "", Phase.SUCCESSFUL),
        ([0.90], "result[0] >= 0.95", "", Phase.FAILED),
        ([12.0], "", "result[0] >= 10", Phase.FAILED),
        ([3.0], "", "result[0] >= 10", Phase.SUCCESSFUL),
        ([0.92], "result[0] >= 0.90", "result[0] < 0.50", Phase.SUCCESSFUL),
        ([0.70], "result[0] >= 0.90", "result[0] < 0.50", Phase.INCONCLUSIVE),
        ([0.40], "result[0] >= 0.90", "result[0] < 0.50", Phase.FAILED),
        ([0.01, 0.04], "max(result) < 0.05", "", Phase.SUCCESSFUL),
        ([0.01, 0.06], "max(result) < 0.05", "", Phase.FAILED),
        ([10.0, 999.0], "all(result, # < 1000)", "", Phase.SUCCESSFUL),
        ([10.0, 1000.0], "all(result, # < 1000)", "", Phase.FAILED),
        # no conditions at all: successful
        ([0.0], "", "", Phase.SUCCESSFUL),
    ],
)
def test_documented_phases(result: object, success: str, failure: str, phase: Phase) -> None:
    assert assess(result, success=success, failure=failure).phase is phase


def test_documented_web_and_job_results() -> None:
    assert condition("result == 'true'", "true")
    assert condition("result.major == '1'", {"major": "1", "minor": "27"})
    assert condition(
        "result.ok && result.successPercent >= 0.90", {"ok": True, "successPercent": 0.95}
    )
    assert condition(
        "len(result[0].Values) >= 5 and all(result[0].Values, {# <= 0.01})",
        [{"Values": [0.0, 0.01, 0.0, 0.005, 0.0]}],
    )
    assert not condition(
        "len(result[0].Values) >= 5 and all(result[0].Values, {# <= 0.01})",
        [{"Values": [0.0, 0.02, 0.0, 0.005, 0.0]}],
    )
    apdex = {"service_apdex": {"values": {"values": [{"value": "9950"}, {"value": "9901"}]}}}
    assert condition("all(result.service_apdex.values.values, {asFloat(.value) >= 9900})", apdex)


def test_an_empty_vector_errors_where_a_condition_indexes_it() -> None:
    assessment = assess([], success="result[0] >= 0.95")
    assert assessment.phase is Phase.ERROR
    assert "metric result is nil or empty" in assessment.message
    with pytest.raises(ExprRuntimeError, match=r"index out of range: 0 \(array length is 0\)"):
        condition("result[0] >= 0.95", [])


def test_default_looks_at_the_whole_result_not_its_argument() -> None:
    # Argo's default() ignores its first argument: an empty vector is not nil, so it stays [].
    assert evaluate("default(result, 0)", []) == []
    with pytest.raises(ExprRuntimeError, match=r"invalid operation: \[\]float64 < int"):
        condition("default(result, 0) < 1", [])
    assert evaluate("default(result[0], 7)", [2.0]) == [2.0]
    assert condition("isNil(0)", None)
    assert not condition("isNil(0)", [])


def test_nan_compares_false_and_equals_nothing() -> None:
    assert not condition("result[0] < 0.05", [NAN])
    assert not condition("result[0] >= 0.05", [NAN])
    assert not condition("result[0] == result[0]", [NAN])
    assert condition("result[0] != result[0]", [NAN])
    assert condition("isNaN(result[0])", [NAN])
    with pytest.raises(ExprRuntimeError, match=r"cannot use .*float64.* isNaN"):
        condition("isNaN(result)", [NAN])


def test_int_and_float_semantics() -> None:
    assert evaluate("7 / 2", None) == 3.5  # `/` is always float
    assert isinstance(evaluate("4 / 2", None), float)
    assert evaluate("7 + 2", None) == 9 and isinstance(evaluate("7 + 2", None), int)
    assert isinstance(evaluate("7 + 2.0", None), float)
    assert evaluate("-7 % 3", None) == -1  # Go truncates toward zero
    assert evaluate("7 % -3", None) == 1
    assert evaluate("2 ** 10", None) == 1024.0 and isinstance(evaluate("2 ^ 3", None), float)
    assert evaluate("1 / 0", None) == INF
    assert math.isnan(evaluate("0 / 0", None))  # type: ignore[arg-type]
    assert evaluate("9223372036854775807 + 1", None) == -(2**63)  # int64 wraps
    assert condition("1 == 1.0", None)
    assert condition("0x10 == 16 && 0b11 == 3 && 0o17 == 15 && 1_000 == 1000", None)
    assert condition(".5 == 0.5 && 1e3 == 1000", None)
    with pytest.raises(ExprRuntimeError, match="integer divide by zero"):
        evaluate("1 % 0", None)
    with pytest.raises(ExprRuntimeError, match=r"float64 % int"):
        evaluate("result[0] % 2", [3.0])


def test_precedence_and_chains() -> None:
    assert evaluate("1 + 2 * 3", None) == 7
    assert evaluate("-2 ** 2", None) == -4.0  # unary minus binds looser than **
    assert evaluate("2 ** 3 ** 2", None) == 512.0  # right-associative
    assert condition("!false && true", None)
    assert condition("not false and true", None)
    assert condition("true || false && false", None)  # && binds tighter
    assert condition("1 < result[0] < 3", [2.0])
    assert not condition("1 < result[0] < 3", [3.0])
    assert evaluate("result[0] > 1 ? 'high' : 'low'", [2.0]) == "high"
    assert evaluate("result?.x ?? 5", None) == 5


def test_collections() -> None:
    assert evaluate("result[-1]", [1.0, 2.0, 3.0]) == 3.0
    assert evaluate("result[1:]", [1.0, 2.0, 3.0]) == [2.0, 3.0]
    assert condition("any(result, # > 2)", [1.0, 3.0])
    assert not condition("any(result, {# > 2})", [])
    assert condition("none(result, # > 2)", [1.0])
    assert condition("one(result, # > 2)", [1.0, 3.0])
    assert evaluate("count(result, # > 1)", [1.0, 2.0, 3.0]) == 2
    assert evaluate("filter(result, # > 1)", [1.0, 2.0, 3.0]) == [2.0, 3.0]
    assert evaluate("map(result, # * 2)", [1.0, 2.0]) == [2.0, 4.0]
    assert evaluate("sum(result)", [1.0, 2.0]) == 3.0
    assert evaluate("mean(result)", [1.0, 2.0]) == 1.5
    assert evaluate("min(result)", [1.0, 2.0]) == 1.0
    assert evaluate("max(result)", []) is None
    assert condition("2 in [1, 2]", None) and condition("3 not in [1, 2]", None)
    assert evaluate("len('héllo')", None) == 6  # Go counts bytes
    assert evaluate("round(2.5)", None) == 3.0  # Go rounds half away from zero
    assert evaluate("first(result)", []) is None


def test_errors_argo_would_report() -> None:
    with pytest.raises(ExprNameError, match="unknown name results"):
        condition("results[0] >= 90", [95.0])
    # expr-lang compiles before it runs: the unknown name errors even where || would skip it
    with pytest.raises(ExprNameError):
        condition("true || typo > 1", [1.0])
    with pytest.raises(ExprNameError, match="unknown func"):
        condition("avg(result) > 1", [1.0])
    with pytest.raises(ExprSyntaxError):
        condition("result[0] >= ", [1.0])
    with pytest.raises(ExprSyntaxError):
        condition("result[0] >= 0.95)", [1.0])
    with pytest.raises(ExprRuntimeError, match="expected bool, but got float64"):
        condition("result[0]", [1.0])
    with pytest.raises(ExprRuntimeError, match="not bool"):
        condition("result[0] && true", [1.0])
    with pytest.raises(ExprRuntimeError, match=r"invalid operation: float64 < string"):
        condition("result[0] < '1'", [1.0])
    with pytest.raises(ExprRuntimeError, match="cannot fetch x from float64"):
        condition("result.x > 1", 1.0)
    with pytest.raises(ExprRuntimeError, match="predicate should return boolean"):
        condition("all(result, # + 1)", [1.0])


def test_outside_the_subset_is_reported_not_guessed() -> None:
    with pytest.raises(ExprUnsupported):
        evaluate("upper('a') == 'A'", None)
    with pytest.raises(ExprUnsupported):
        evaluate("let x = 1; x > 0", None)
