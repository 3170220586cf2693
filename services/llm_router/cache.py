"""The PHI-safe completion cache: exact match only; per call, or per clinic for FAQ answers.

A per-call key is a hash of the clinic, the call, the route and every message and parameter, so
two callers saying the same words never share an entry (an answer may hold the first caller's
details). A clinic FAQ question (the caller of the router marks it: the clinic's own wording of
a question, nothing the caller said) is keyed without the call, so every call of that clinic
shares its answer, and no other clinic does; the router still checks such messages for PHI and
keeps them per call if it finds any (:func:`shareable`).

There is no semantic cache, on purpose: it would serve the answer to a *similar* prompt, and on a
call "similar" prompts differ in exactly what matters (another patient's name, another date of
birth, "cancel" against "confirm"); an embedding index of prompts would also be a second store of
PHI to protect and expire. Exact matches on a call and FAQ answers per clinic are the hits worth
having. Pure; bounded, least recently used out first.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable

from llm_router.types import Completion, Request

# Does this text hold PHI? (the phi engine's strict detector in production)
PhiCheck = Callable[[str], bool]


def shareable(request: Request, has_phi: PhiCheck | None) -> bool:
    """May the answer be shared across the clinic's calls? Only a request marked as a clinic
    FAQ, of a named clinic, whose messages the PHI check passes (no check: never)."""
    if not (request.clinic_faq and request.clinic and has_phi is not None):
        return False
    return not any(has_phi(m.content) for m in request.messages if m.content)


def cache_key(request: Request, route: str, *, shared: bool = False) -> str:
    material = {
        "clinic": request.clinic,
        # A shared FAQ entry has no call; the scope keeps it apart from any per-call entry.
        "scope": "clinic-faq" if shared else "call",
        "call": "" if shared else request.call_id,
        "route": route,
        "messages": [
            (
                m.role,
                m.content,
                m.tool_call_id,
                [(c.id, c.name, c.arguments_json) for c in m.tool_calls],
            )
            for m in request.messages
        ],
        "tools": list(request.tools),
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


class ExactCache:
    """``ExactCache(1000)``; ``get``/``put`` by :func:`cache_key`. Capacity 0 turns it off."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, Completion] = OrderedDict()

    def get(self, key: str) -> Completion | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: str, completion: Completion) -> None:
        if self.capacity <= 0:
            return
        self._entries[key] = completion
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
