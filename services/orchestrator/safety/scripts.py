"""What the caller hears in an emergency: one script per kind, never both.

* ``Script.CRISIS`` (suicidal or self-harm): the 988 Suicide & Crisis Lifeline first, words
  that keep the caller on the line, a warm transfer to the clinic's urgent line. No "hang up"
  and no 911 in it: a person in crisis told to hang up may not call anyone.
* ``Script.MEDICAL``: call 911 now, and an urgent handoff to staff. No 988 in it.

Neither ever promises a routine callback: when nobody can take the call (the clinic is closed
and the handoff came back as a callback, or the handoff failed) the caller is told where help
is available now.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.safety.red_flags import Script


@dataclass(frozen=True)
class EmergencyLines:
    """The lines of one script: ``first`` (said at once, before the handoff is made),
    ``connecting`` (when the transfer starts), ``nobody`` (when no person can take the call
    now: a closed clinic's callback, or a failed handoff)."""

    first: str
    connecting: str
    nobody: str


_CRISIS = EmergencyLines(
    first=(
        "I'm really glad you told me, and I want to make sure you get support right now. "
        "You can call or text 988, the Suicide and Crisis Lifeline, any time, day or night. "
        "Please stay on the line with me while I connect you with someone from our team."
    ),
    connecting="I'm connecting you now. Please stay on the line.",
    nobody=(
        "I can't reach anyone from our team right now, so please call or text 988, the "
        "Suicide and Crisis Lifeline, now. They are there for you 24 hours a day, and you "
        "don't have to go through this alone."
    ),
)
_MEDICAL = EmergencyLines(
    first=(
        "This could be a medical emergency. Please call 911 right away, or have someone with "
        "you call. I'm connecting you with our staff now."
    ),
    connecting="Connecting you now. If it gets worse while you wait, call 911.",
    nobody=(
        "I can't reach anyone from our team right now. Please don't wait for us: call 911 "
        "now, or have someone take you to the nearest emergency room."
    ),
)


def emergency_lines(script: Script) -> EmergencyLines:
    """The lines of ``script``."""
    return _CRISIS if script is Script.CRISIS else _MEDICAL
