"""Scoring math: percentiles, rates, completeness, and the summary over call results."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callsim.scoring import mean, misunderstanding_turns, percentile, rate, summarize

values = st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=2, max_size=60)


@given(values)
def test_percentiles_match_the_inclusive_linear_method(data: list[float]) -> None:
    # statistics.quantiles(method="inclusive") is the same linear interpolation between ranks.
    cuts = statistics.quantiles(data, n=100, method="inclusive")
    for q in (1, 25, 50, 95, 99):
        got = percentile(data, q)
        assert got == pytest.approx(cuts[q - 1], rel=1e-9, abs=1e-9)


@given(values, st.floats(min_value=0, max_value=100))
def test_percentiles_stay_within_the_data_and_grow_with_q(data: list[float], q: float) -> None:
    got = percentile(data, q)
    assert got is not None
    assert min(data) <= got <= max(data)
    higher = percentile(data, min(q + 5, 100))
    assert higher is not None and higher >= got


def test_percentile_edges() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0], 99) == 3.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 0) == 1.0  # order of input does not matter
    assert percentile([4.0, 1.0, 3.0, 2.0], 100) == 4.0
    assert percentile([1.0, 2.0], 50) == 1.5
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1.0], 101)


def test_rate_and_mean_of_nothing_are_none() -> None:
    assert rate(0, 0) is None and mean([]) is None
    assert rate(3, 4) == 0.75 and mean([0.5, 1.0]) == 0.75


@dataclass
class Result:
    outcome: str
    passed: bool
    handoff_completeness: float | None = None
    latencies: list[float] = field(default_factory=list)
    end_state_right: bool = True
    misunderstood_turns: int = 0


def test_summary_counts_outcomes_success_completeness_and_latency() -> None:
    results = [
        Result("contained", True, None, [0.1, 0.2]),
        Result("contained", False, None, [0.3]),
        Result("handoff", True, 1.0, [0.4]),
        Result("handoff", True, 0.5, []),
        Result("abandoned", False, None, [0.5]),
    ]
    summary = summarize(results)
    assert summary.calls == 5 and summary.passed == 3
    assert summary.task_success_rate == pytest.approx(3 / 5)
    assert summary.containment_rate == pytest.approx(2 / 5)
    assert summary.outcomes == {"abandoned": 1, "contained": 2, "handoff": 2}
    assert summary.handoffs == 2
    assert summary.handoff_completeness == pytest.approx(0.75)
    all_latencies = [0.1, 0.2, 0.3, 0.4, 0.5]
    assert summary.turns == len(all_latencies)
    assert summary.latency_p50 == pytest.approx(0.3)
    assert summary.latency_p95 == pytest.approx(percentile(all_latencies, 95))
    assert summary.latency_p99 == pytest.approx(0.496)


def test_summary_counts_right_end_states_and_misunderstandings_apart_from_task_success() -> None:
    results = [
        Result("contained", False, end_state_right=True, misunderstood_turns=1),
        Result("handoff", True, end_state_right=True, misunderstood_turns=0),
        Result("contained", False, end_state_right=False, misunderstood_turns=3),
        Result("handoff", False, end_state_right=True, misunderstood_turns=2),
    ]
    summary = summarize(results)
    assert summary.passed == 1 and summary.end_state_right == 3
    assert summary.end_state_rate == pytest.approx(3 / 4)
    assert summary.misunderstanding_turns == 6
    assert summary.misunderstanding_per_call == pytest.approx(1.5)
    assert summary.misunderstood_twice == 2


@pytest.mark.parametrize(
    ("replies", "count"),
    [
        (["Sorry, I didn't catch that. What day?", "Which one works for you?"], 1),
        (["I'm sorry, I'm still not sure what you mean. Or press 1"], 1),
        (["I haven't booked anything yet. I have you down for a checkup"], 1),
        (["Of course. I haven't booked anything. You're welcome to call us back"], 0),
        (["You're all set.", "Goodbye!"], 0),
    ],
)
def test_misunderstanding_turns_are_the_re_ask_replies(replies: list[str], count: int) -> None:
    assert misunderstanding_turns(replies) == count


def test_summary_of_no_calls_has_no_figures() -> None:
    summary = summarize([])
    assert summary.calls == 0
    assert summary.task_success_rate is None and summary.containment_rate is None
    assert summary.handoff_completeness is None and summary.latency_p50 is None
    assert summary.end_state_rate is None and summary.misunderstanding_per_call is None
