"""Admission control: a cap on concurrent calls, and a drain switch that stops admitting.

admission = Admission(capacity=100)
if not admission.try_admit():
    ...  # busy: transfer the caller to a person
try:
    ...  # the call
finally:
    admission.release()
# on SIGTERM:
admission.start_draining()
await admission.wait_idle(timeout=30)
"""

from __future__ import annotations

import asyncio


class Admission:
    """Counts live calls; refuses new ones over ``capacity`` or once draining started."""

    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError(f"capacity must be 0 or more, not {capacity}")
        self._capacity = capacity
        self._live = 0
        self._draining = False
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def live(self) -> int:
        """Calls admitted and not yet released."""
        return self._live

    @property
    def draining(self) -> bool:
        return self._draining

    def try_admit(self) -> bool:
        """Takes a place for a new call; False when full or draining (nothing is taken)."""
        if self._draining or self._live >= self._capacity:
            return False
        self._live += 1
        self._idle.clear()
        return True

    def release(self) -> None:
        """Gives back the place of a finished call."""
        if self._live == 0:
            raise RuntimeError("release() without a matching try_admit()")
        self._live -= 1
        if self._live == 0:
            self._idle.set()

    def start_draining(self) -> None:
        """From now on every new call is refused; live calls carry on."""
        self._draining = True

    async def wait_idle(self, timeout: float) -> bool:
        """Waits until no call is live, at most ``timeout`` seconds; True when idle."""
        try:
            async with asyncio.timeout(max(0.0, timeout)):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True
