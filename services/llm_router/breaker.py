"""A circuit breaker per deployment. Pure: the clock is passed in, nothing here does I/O.

    closed ──(failure rate ≥ threshold over ≥ min_requests in the window)──▶ open
    closed ──(auth or configuration error)──────────────────────────────────▶ open
    closed ──(429 with Retry-After)──────────────────────────────────────────▶ open
    open ──(open_s elapsed, or the Retry-After time)─────────────────────────▶ half_open
    half_open ──(a probe succeeds)──▶ closed (window forgotten)
    half_open ──(a probe fails)─────▶ open

While open, :meth:`Breaker.allow` says no, so the router skips the deployment without waiting
for a timeout. In half-open at most ``half_open_probes`` requests are let through at a time.
A first token slower than ``slow_ttft_ms`` is recorded as a failure. Written here rather than
taken from litellm because litellm's cooldowns count failures per minute without half-open
probes or slow-first-token accounting.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from llm_router.config import BreakerConfig

Clock = Callable[[], float]


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class Breaker:
    """``Breaker(BreakerConfig(), clock=time.monotonic)``; ask :meth:`allow`, then record."""

    config: BreakerConfig
    clock: Clock
    _state: BreakerState = BreakerState.CLOSED
    _outcomes: deque[tuple[float, bool]] = field(default_factory=deque)
    _open_until: float = 0.0
    _probes: int = 0

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self.clock() >= self._open_until:
            self._state = BreakerState.HALF_OPEN
            self._probes = 0
        return self._state

    @property
    def healthy(self) -> bool:
        return self.state is BreakerState.CLOSED

    def allow(self) -> bool:
        """May a request go to this deployment now? In half-open, takes a probe slot."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and self._probes < self.config.half_open_probes:
            self._probes += 1
            return True
        return False

    def release(self) -> None:
        """A request let through by :meth:`allow` ended without an outcome (cancelled)."""
        if self._state is BreakerState.HALF_OPEN and self._probes > 0:
            self._probes -= 1

    def success(self, ttft_s: float | None = None) -> None:
        if ttft_s is not None and ttft_s * 1000.0 > self.config.slow_ttft_ms:
            self.failure()
            return
        if self.state is BreakerState.HALF_OPEN:
            self._state = BreakerState.CLOSED
            self._outcomes.clear()
            self._probes = 0
            return
        self._record(ok=True)

    def failure(self, retry_after_s: float | None = None) -> None:
        state = self.state
        if state is BreakerState.HALF_OPEN:
            self._open(retry_after_s)
            return
        if state is BreakerState.OPEN:
            # A request that was already in flight: it may only push reopening later.
            self._open_until = max(self._open_until, self.clock() + (retry_after_s or 0.0))
            return
        self._record(ok=False)
        failures = sum(1 for _, ok in self._outcomes if not ok)
        if (
            len(self._outcomes) >= self.config.min_requests
            and failures / len(self._outcomes) >= self.config.failure_rate
        ) or retry_after_s is not None:
            self._open(retry_after_s)

    def trip(self) -> None:
        """Open at once: the deployment cannot work as configured (bad key, unknown model)."""
        self._open(None)

    def _open(self, retry_after_s: float | None) -> None:
        now = self.clock()
        self._state = BreakerState.OPEN
        # Retry-After says exactly when the provider wants traffic again.
        self._open_until = now + (self.config.open_s if retry_after_s is None else retry_after_s)
        self._outcomes.clear()
        self._probes = 0

    def _record(self, *, ok: bool) -> None:
        now = self.clock()
        self._outcomes.append((now, ok))
        horizon = now - self.config.window_s
        while self._outcomes and self._outcomes[0][0] < horizon:
            self._outcomes.popleft()
