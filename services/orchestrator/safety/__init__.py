"""Safety rules enforced in code, whatever the dialogue policy: emergencies (red flags and
the script each gets), requests for a person, questions the assistant must not answer.

Pure: no I/O. ``find_red_flag(text)`` -> ``RedFlag | None`` (``.category``, ``.script``);
``emergency_lines(script)`` -> what the caller hears; ``asks_for_human``, ``out_of_scope``.
"""

from __future__ import annotations

from orchestrator.safety._rules import Category
from orchestrator.safety.red_flags import (
    RedFlag,
    RedFlagDetector,
    Script,
    default_detector,
    find_red_flag,
)
from orchestrator.safety.requests import asks_for_human, out_of_scope
from orchestrator.safety.scripts import EmergencyLines, emergency_lines

__all__ = [
    "Category",
    "EmergencyLines",
    "RedFlag",
    "RedFlagDetector",
    "Script",
    "asks_for_human",
    "default_detector",
    "emergency_lines",
    "find_red_flag",
    "out_of_scope",
]
