"""Sticky model canary: which route a call uses, from the ``llm_model_routing`` flag's variant.

Unleash hashes the call id (``sessionId`` stickiness), so every replica picks the same variant
for a call; the choice is also remembered per call here, so a rollout changed mid-call never
moves a call that already started onto another model. Pure apart from the injected lookup.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from llm_router.config import DISABLED, CanaryConfig


@dataclass(frozen=True)
class Pick:
    route: str
    variant: str  # "disabled" when the call is not in the canary


# (flag, call id, clinic) -> (variant name, enabled); servicekit.flags.Flags.variant in production.
VariantOf = Callable[[str, str, str], tuple[str, bool]]


class RoutePicker:
    """``RoutePicker(canary_routes, "dialogue", variant_of).pick(call_id, clinic)``."""

    def __init__(
        self,
        canary: CanaryConfig,
        default_route: str,
        variant_of: VariantOf,
        *,
        remember: int = 50_000,
    ) -> None:
        self._canary = canary
        self._default = default_route
        self._variant_of = variant_of
        self._remember = remember
        self._picked: OrderedDict[str, Pick] = OrderedDict()

    def pick(self, call_id: str, clinic: str) -> Pick:
        if not self._canary.variants or not call_id:
            return Pick(self._default, DISABLED)
        known = self._picked.get(call_id)
        if known is not None:
            self._picked.move_to_end(call_id)
            return known
        name, enabled = self._variant_of(self._canary.flag, call_id, clinic)
        route = self._canary.variants.get(name) if enabled else None
        pick = Pick(route, name) if route else Pick(self._default, DISABLED)
        self._picked[call_id] = pick
        if len(self._picked) > self._remember:  # calls end; forget the oldest
            self._picked.popitem(last=False)
        return pick
