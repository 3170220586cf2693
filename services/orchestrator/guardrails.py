"""Compatibility: the safety rules moved to ``orchestrator.safety`` (red flags with their
scripts, requests for a person, out-of-scope questions). Import from there."""

from __future__ import annotations

from orchestrator.safety import RedFlag, asks_for_human, find_red_flag, out_of_scope

__all__ = ["RedFlag", "asks_for_human", "find_red_flag", "out_of_scope"]
