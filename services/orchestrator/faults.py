"""Test-only fault injection into turns: what makes a canary slow or failing on purpose.

Off unless configured (``FRONTDESK_FAULT_TURN_DELAY_MS``, ``FRONTDESK_FAULT_TURN_ERROR_PERCENT``,
both 0 by default); the service logs a warning at start when either is on. The canary test
(``tests/canary/``) starts an orchestrator version with them to prove canary analysis catches a
slow or failing version; the observability test uses the delay to prove latency alerts fire.

    faults = TurnFaults(delay=1.5, error_ratio=0.2)
    await faults.before_turn()     # waits 1.5 s, then fails one turn in five with Internal

An injected error is ``Internal`` (the gateway counts the turn as an error and apologises), not
``Unavailable``, which the gateway would read as "this version is gone" and re-claim the call.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

from servicekit.errors import Internal


@dataclass
class TurnFaults:
    """``delay``: seconds every turn waits before it starts; ``error_ratio``: the share of turns
    (0..1) that fail with ``Internal`` instead of running; ``rng``: the dice (pass a seeded one
    for repeatable tests)."""

    delay: float = 0.0
    error_ratio: float = 0.0
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.delay < 0:
            raise ValueError("delay must not be negative")
        if not 0.0 <= self.error_ratio <= 1.0:
            raise ValueError("error_ratio must be within 0..1")

    @property
    def on(self) -> bool:
        return self.delay > 0 or self.error_ratio > 0

    def describe(self) -> str:
        return f"turn delay {self.delay * 1000:.0f} ms, turn errors {self.error_ratio:.0%}"

    async def before_turn(self) -> None:
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        if self.error_ratio > 0 and self.rng.random() < self.error_ratio:
            raise Internal("injected fault (FRONTDESK_FAULT_TURN_ERROR_PERCENT)")
