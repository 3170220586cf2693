"""What a real chat-completions endpoint refuses with HTTP 400 before any model runs.

The simulator checks the same, so a router that forwards a malformed client request meets the
refusal it would meet in production (and must not take it for a broken provider). Only rules
the OpenAI API documents and enforces; the first problem found is reported, as the API does.
"""

from __future__ import annotations

import math
import re
from typing import Any

ROLES = ("system", "developer", "user", "assistant", "tool")
TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def request_problem(body: Any) -> str | None:
    """Why the API would refuse ``body`` (a chat-completions request), or None."""
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "`messages` must be a non-empty list"
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            return f"messages[{index}]: must be an object"
        role = message.get("role")
        if role not in ROLES:
            return f"messages[{index}].role: {role!r} is not one of {', '.join(ROLES)}"
        if role == "tool" and not message.get("tool_call_id"):
            return f"messages[{index}]: a tool message needs `tool_call_id`"
        for call in message.get("tool_calls") or []:
            name = (call.get("function") or {}).get("name")
            if not call.get("id") or not isinstance(name, str) or not TOOL_NAME.match(name):
                return f"messages[{index}].tool_calls: each needs an id and a valid function name"
    temperature = body.get("temperature")
    if temperature is not None and not (
        isinstance(temperature, int | float)
        and math.isfinite(temperature)
        and 0 <= temperature <= 2
    ):
        return f"`temperature`: {temperature!r} is not a number from 0 to 2"
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and not (isinstance(max_tokens, int) and max_tokens >= 1):
        return f"`max_tokens`: {max_tokens!r} is not a whole number of at least 1"
    for index, tool in enumerate(body.get("tools") or []):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict):
            return f"tools[{index}]: needs a `function`"
        name = function.get("name")
        if not isinstance(name, str) or not TOOL_NAME.match(name):
            return f"tools[{index}].function.name: {name!r} must match {TOOL_NAME.pattern}"
        if not isinstance(function.get("parameters", {}), dict):
            return f"tools[{index}].function.parameters: must be a JSON Schema object"
    return None
