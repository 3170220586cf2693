"""A measurement's phase from its conditions, as Argo Rollouts decides it (``EvaluateResult``).

- no conditions: Successful;
- only successCondition: Successful when true, else Failed;
- only failureCondition: Failed when true, else Successful;
- both: Failed when failureCondition is true, else Successful when successCondition is true,
  else Inconclusive;
- a condition that errors: Error (and the message says so; Argo adds "metric result is nil or
  empty" when the result is nil or an empty list).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Phase(enum.StrEnum):
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    INCONCLUSIVE = "Inconclusive"
    ERROR = "Error"


@dataclass(frozen=True)
class Assessment:
    phase: Phase
    message: str = ""  # why, for phase Error: Argo's words
    cause: str = ""  # for phase Error: the evaluator's own error (Argo hides it on empty results)
