"""The natural-phrasing callers (tests/e2e/scenarios_natural: the flows of tests/e2e/scenarios
said the way people talk, in many styles) against the whole stack, several calls at once, on
SQLite. The bar is the share of calls that leave the right end state in the scheduler's database
and the handoff queue (at least 95%); every call's misunderstanding turns are reported.

Prints the same report as ``frontdesk simulate tests/e2e/scenarios_natural`` (run ``pytest -s``
to see it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from callsim import report
from callsim.runner import Runner
from callsim.scenario import load_paths
from callsim.scoring import summarize

from .stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.asyncio(loop_scope="module")]

NATURAL = Path(__file__).parent / "scenarios_natural"
RIGHT_END_STATE = 0.95


@pytest.fixture(scope="module")
def scheduler_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite only: the flows are the same on PostgreSQL (test_scenarios runs both)."""
    yield f"sqlite+pysqlite:///{tmp_path_factory.mktemp('sched') / 'scheduler.db'}"


def test_there_are_at_least_two_hundred_natural_callers() -> None:
    scenarios = load_paths([NATURAL])
    assert len(scenarios) >= 200
    styles = {Path(s.source).stem for s in scenarios}
    assert len(styles) >= 10, styles


async def test_natural_callers_reach_the_right_end_state(stack: Stack) -> None:
    scenarios = load_paths([NATURAL])
    target = stack.callsim_target()
    # Three at once: calls that search the same hours at the same moment race for one slot
    # ("that time was just taken"), which a script cannot follow.
    runner = Runner(target, concurrency=3)
    try:
        results = await runner.run_all(scenarios)
    finally:
        runner.close()
    summary = summarize(results)
    print()
    print(report.table(results))
    for result in results:
        if not result.end_state_right:
            print(report.transcript(result))
    print(report.summary_text(summary))
    assert summary.end_state_rate is not None
    assert summary.end_state_rate >= RIGHT_END_STATE, report.summary_text(summary)
