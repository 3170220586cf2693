"""``frontdesk simulate``: load scenarios, run them against the stack in stack.json, report.

Returns 0 when every call passed, 1 when any failed, 2 when the scenarios or the stack could
not be used at all.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from callsim import report
from callsim.runner import Runner, Target
from callsim.scenario import ScenarioError, load_paths
from callsim.scoring import summarize
from servicekit.settings import PROJECT_ROOT

DEFAULT_SCENARIOS = PROJECT_ROOT / "tests" / "e2e" / "scenarios"


def target_from_stack(
    state_dir: Path, gateway: str | None = None, relay: tuple[str, str] | None = None
) -> Target:
    """Addresses and database URL from ``<state_dir>/stack.json`` (``gateway`` overrides);
    ``relay`` (URL, Twilio auth token): calls over ConversationRelay's WebSocket."""
    from frontdesk.cli.stackfile import StackFile, stack_client

    state = StackFile.load(state_dir)
    services = state.services
    scheduler_db = state.databases.get("scheduler", "") if "scheduler_adapter" in services else ""
    if gateway is None and "gateway" not in services:
        raise ScenarioError(f"the stack in {state_dir} has no gateway (started with --only?)")
    return Target(
        gateway=gateway or services["gateway"].grpc_address,
        handoff=services["handoff"].grpc_address if "handoff" in services else "",
        scheduler_db=scheduler_db,
        relay=relay[0] if relay else "",
        relay_auth_token=relay[1] if relay else "",
        telephony=stack_client(state, "telephony"),
        agent_desk=stack_client(state, "agent_desk"),
    )


async def simulate(
    paths: Sequence[Path],
    *,
    state_dir: Path,
    gateway: str | None = None,
    relay: tuple[str, str] | None = None,
    concurrency: int = 8,
    repeat: int = 1,
    as_json: bool = False,
    verbose: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    from frontdesk.cli.stackfile import StackNotRunning

    try:
        scenarios = load_paths(paths or [DEFAULT_SCENARIOS])
        target = target_from_stack(state_dir, gateway, relay)
    except (ScenarioError, StackNotRunning) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if repeat < 1 or concurrency < 1:
        print("error: --repeat and --concurrency must be at least 1", file=sys.stderr)
        return 2
    runner = Runner(target, concurrency=concurrency)
    try:
        results = await runner.run_all(scenarios, repeat=repeat)
    finally:
        runner.close()
    summary = summarize(results)
    if as_json:
        print(report.as_json(results, summary), file=out)
    else:
        print(report.table(results), file=out)
        if verbose:
            for result in results:
                if not result.passed:
                    print(report.transcript(result), file=out)
        print(file=out)
        print(report.summary_text(summary), file=out)
    return 0 if summary.passed == summary.calls else 1
