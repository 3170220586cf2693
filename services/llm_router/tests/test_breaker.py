"""The breaker's whole state after every step, on a hand-driven clock."""

from __future__ import annotations

import pytest

from llm_router.breaker import Breaker, BreakerState
from llm_router.config import BreakerConfig


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


CONFIG = BreakerConfig(
    window_s=10, min_requests=4, failure_rate=0.5, open_s=5, half_open_probes=1, slow_ttft_ms=500
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock: Clock) -> Breaker:
    return Breaker(CONFIG, clock)


def test_stays_closed_below_the_minimum_count(breaker: Breaker) -> None:
    for _ in range(3):
        breaker.failure()
        assert breaker.state is BreakerState.CLOSED and breaker.allow()


def test_opens_at_the_failure_rate_over_the_minimum(breaker: Breaker) -> None:
    breaker.success()
    breaker.success()
    breaker.failure()
    assert breaker.state is BreakerState.CLOSED  # 1 of 3: under the minimum count
    breaker.failure()
    assert breaker.state is BreakerState.OPEN  # 2 of 4 = 50%
    assert not breaker.allow() and not breaker.healthy


def test_under_the_rate_stays_closed(breaker: Breaker) -> None:
    for _ in range(3):
        breaker.success()
    breaker.failure()  # 1 of 4 = 25%
    assert breaker.state is BreakerState.CLOSED


def test_old_outcomes_leave_the_window(breaker: Breaker, clock: Clock) -> None:
    for _ in range(3):
        breaker.failure()
    clock.now += 10.5
    breaker.failure()  # the three earlier ones are out of the window: 1 outcome
    assert breaker.state is BreakerState.CLOSED


def test_closed_open_half_open_closed(breaker: Breaker, clock: Clock) -> None:
    for _ in range(4):
        breaker.failure()
    assert breaker.state is BreakerState.OPEN
    clock.now += 4.9
    assert breaker.state is BreakerState.OPEN and not breaker.allow()
    clock.now += 0.1
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()  # the one probe
    assert not breaker.allow()  # a second caller is kept out while the probe runs
    breaker.success()
    assert breaker.state is BreakerState.CLOSED and breaker.healthy
    breaker.failure()
    breaker.failure()
    breaker.failure()
    assert breaker.state is BreakerState.CLOSED  # the window was forgotten on closing


def test_a_failed_probe_reopens_for_a_full_period(breaker: Breaker, clock: Clock) -> None:
    breaker.trip()
    clock.now += 5
    assert breaker.allow()
    breaker.failure()
    assert breaker.state is BreakerState.OPEN
    clock.now += 4.9
    assert breaker.state is BreakerState.OPEN
    clock.now += 0.1
    assert breaker.state is BreakerState.HALF_OPEN


def test_a_released_probe_frees_its_slot(breaker: Breaker, clock: Clock) -> None:
    breaker.trip()
    clock.now += 5
    assert breaker.allow() and not breaker.allow()
    breaker.release()
    assert breaker.allow()


def test_retry_after_opens_at_once_for_exactly_that_long(breaker: Breaker, clock: Clock) -> None:
    breaker.failure(retry_after_s=2)
    assert breaker.state is BreakerState.OPEN
    clock.now += 1.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.state is BreakerState.HALF_OPEN
    breaker.trip()
    breaker.failure(retry_after_s=30)  # in flight while open: pushes reopening later
    clock.now += 29.9
    assert breaker.state is BreakerState.OPEN
    clock.now += 0.1
    assert breaker.state is BreakerState.HALF_OPEN


def test_slow_first_tokens_count_as_failures(breaker: Breaker) -> None:
    for _ in range(3):
        breaker.success(ttft_s=0.2)
    breaker.success(ttft_s=0.6)
    assert breaker.state is BreakerState.CLOSED
    breaker.success(ttft_s=0.9)
    breaker.success(ttft_s=0.7)
    assert breaker.state is BreakerState.OPEN  # 3 slow of 6


def test_a_slow_probe_does_not_close(breaker: Breaker, clock: Clock) -> None:
    breaker.trip()
    clock.now += 5
    assert breaker.allow()
    breaker.success(ttft_s=0.8)
    assert breaker.state is BreakerState.OPEN


def test_trip_opens_from_closed(breaker: Breaker) -> None:
    breaker.trip()
    assert breaker.state is BreakerState.OPEN and not breaker.allow()


def test_more_probes_when_configured(clock: Clock) -> None:
    breaker = Breaker(CONFIG.model_copy(update={"half_open_probes": 2}), clock)
    breaker.trip()
    clock.now += 5
    assert [breaker.allow() for _ in range(3)] == [True, True, False]
