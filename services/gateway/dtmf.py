"""Keypad digits, buffered into one input: sent when ``#`` is pressed or after a pause.

The buffer is pure logic; the caller passes the time (``now``, monotonic seconds) so tests can
drive it without sleeping::

    buffer = DigitBuffer(inter_digit_timeout=1.5)
    buffer.press("1", now=0.0)           # None: keep collecting
    buffer.press("#", now=0.4)           # "1": the terminator flushes (and is not part of it)
    buffer.press("7", now=1.0)
    buffer.deadline                      # 2.5: flush then unless another key comes first
    buffer.take_if_due(now=2.5)          # "7"
"""

from __future__ import annotations

DIGITS = frozenset("0123456789*#")
TERMINATOR = "#"


class DigitBuffer:
    """Collects consecutive digits until the terminator or an inter-digit timeout."""

    def __init__(self, inter_digit_timeout: float, terminator: str = TERMINATOR) -> None:
        if inter_digit_timeout <= 0:
            raise ValueError("inter_digit_timeout must be positive")
        self._timeout = inter_digit_timeout
        self._terminator = terminator
        self._digits: list[str] = []
        self._last_press: float | None = None

    @property
    def pending(self) -> str:
        """Digits collected and not yet taken."""
        return "".join(self._digits)

    @property
    def deadline(self) -> float | None:
        """When the pending digits are due (the pause after the last key), None when empty."""
        if not self._digits or self._last_press is None:
            return None
        return self._last_press + self._timeout

    def press(self, digit: str, now: float) -> str | None:
        """Adds one key; returns the digits to send when it is the terminator, else None.

        A lone terminator (nothing pending) is itself the input: "#" is returned. Keys outside
        0-9, *, # raise ValueError.
        """
        if len(digit) != 1 or digit not in DIGITS:
            raise ValueError(f"not a DTMF digit: {digit!r}")
        if digit == self._terminator:
            return self.take() or digit
        self._digits.append(digit)
        self._last_press = now
        return None

    def take_if_due(self, now: float) -> str | None:
        """The pending digits when the pause after the last key has passed, else None."""
        deadline = self.deadline
        if deadline is None or now < deadline:
            return None
        return self.take()

    def take(self) -> str:
        """Every pending digit (possibly none), emptying the buffer."""
        digits = "".join(self._digits)
        self._digits.clear()
        self._last_press = None
        return digits
