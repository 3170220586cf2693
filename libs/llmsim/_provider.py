"""One simulated provider's mutable state: its faults, script and the requests it received.

Thread-safe (the HTTP server answers on many threads); the decisions themselves are the pure
functions of :mod:`llmsim._faults` and :mod:`llmsim._script`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llmsim._faults import Delivery, Faults, Refusal, plan
from llmsim._script import Answer, Script, answer


@dataclass
class Provider:
    """A named provider: ``Provider("alpha", faults=Faults(ttft_ms=300))``."""

    name: str
    faults: Faults = field(default_factory=Faults)
    script: Script = field(default_factory=Script)
    seed: int | None = None
    clock: Callable[[], float] = time.monotonic
    # Every request body received, in order (tests check what left the router).
    requests: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _started: float = 0.0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self._started = self.clock()
        self._rng = random.Random(self.seed)

    def set_faults(self, update: dict[str, object]) -> Faults:
        with self._lock:
            self.faults = self.faults.changed(update)
            return self.faults

    def reset(self) -> None:
        with self._lock:
            self.faults = Faults()
            self.requests.clear()

    def receive(self, body: dict[str, Any]) -> tuple[Refusal | Delivery, Answer]:
        """Records a request and decides what happens to it."""
        with self._lock:
            self.requests.append(body)
            number = len(self.requests)
            decision = plan(self.faults, self._rng.random(), self.clock() - self._started)
            script = self.script
        messages = body.get("messages") or []
        return decision, answer(script, list(messages), call_number=number)
