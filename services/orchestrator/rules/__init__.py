"""The rules dialogue policy: a slot-filling state machine over ``orchestrator.dialogue`` with
rule-based understanding (``orchestrator.understanding``). ``RulesPolicy().step(...)``."""

from __future__ import annotations

from orchestrator.rules.policy import RulesPolicy

__all__ = ["RulesPolicy"]
