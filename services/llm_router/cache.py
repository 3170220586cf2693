"""The PHI-safe completion cache: exact match only, never shared between calls.

The key is a hash of the clinic, the call, the route and every message and parameter, so two
callers saying the same words never share an entry (an answer may hold the first caller's
details). There is no semantic cache on purpose: "similar enough" prompts from different
patients would be served each other's answers, and a near-miss on a date or a name is exactly
the difference that matters here. Pure; bounded, least recently used out first.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import asdict

from llm_router.types import Completion, Request


def cache_key(request: Request, route: str) -> str:
    material = {
        "clinic": request.clinic,
        "call": request.call_id,
        "route": route,
        "messages": [asdict(m) for m in request.messages],
        "tools": list(request.tools),
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


class ExactCache:
    """``ExactCache(1000)``; ``get``/``put`` by :func:`cache_key`. Capacity 0 turns it off."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[str, Completion] = OrderedDict()

    def get(self, key: str) -> Completion | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: str, completion: Completion) -> None:
        if self._capacity <= 0:
            return
        self._entries[key] = completion
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
