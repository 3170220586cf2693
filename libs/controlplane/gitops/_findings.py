"""What the validator reports: one finding per problem, naming file, object and field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Finding:
    """One problem. ``str(finding)`` is the line a person reads:

    ``gitops/services/gateway/base/rollout.yaml: Rollout/gateway: spec.strategy...: message``
    """

    file: str  # the source file, from the validated folder's name down ("gitops/...")
    obj: str  # "Kind/name", "" when the problem is not one object's
    field: str  # "spec.template.spec.containers[0].image", "" when not one field's
    message: str
    check: str = ""  # render | schema | policy | threshold | condition | promtool

    def __str__(self) -> str:
        parts = [self.file or "(no file)"]
        if self.obj:
            parts.append(self.obj)
        if self.field:
            parts.append(self.field)
        return f"{': '.join(parts)}: {self.message} [{self.check}]"


def field_path(parts: Sequence[str | int]) -> str:
    """``["spec", "steps", 3, "setWeigth"]`` -> ``"spec.steps[3].setWeigth"``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
