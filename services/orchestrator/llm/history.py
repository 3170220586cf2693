"""The conversation the model is shown, trimmed to a token budget.

Pure. ``trim(messages, budget)`` drops the oldest exchanges until the estimate fits, never
separating a tool call from its result (providers reject a tool result without its call) and
always keeping the newest exchange. The estimate is words and punctuation, as tokenizers of
English roughly count; it needs no model-specific tokenizer and errs on the high side.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

_PIECE = re.compile(r"\w+|[^\w\s]")
PER_MESSAGE = 4  # role and separators, as chat formats add


def estimate_tokens(message: dict[str, Any]) -> int:
    text = str(message.get("content") or "")
    for call in message.get("tool_calls") or ():
        text += " " + str(call.get("name", "")) + " " + str(call.get("arguments_json", ""))
    return PER_MESSAGE + len(_PIECE.findall(text))


def _exchanges(messages: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Messages grouped so an assistant message with tool calls keeps its tool results."""
    groups: list[list[dict[str, Any]]] = []
    for message in messages:
        if message.get("role") == "tool" and groups:
            groups[-1].append(message)
        else:
            groups.append([message])
    return groups


def trim(messages: Sequence[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    """The newest messages whose estimate fits ``budget`` (the newest exchange always)."""
    groups = _exchanges(messages)
    kept: list[list[dict[str, Any]]] = []
    used = 0
    for group in reversed(groups):
        cost = sum(estimate_tokens(m) for m in group)
        if kept and used + cost > budget:
            break
        kept.append(group)
        used += cost
    out = [m for group in reversed(kept) for m in group]
    # A conversation may not open with a tool result or an orphaned assistant tool call.
    while out and out[0].get("role") == "tool":
        out.pop(0)
    return out


def tool_message(call_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": json.dumps(payload)}
