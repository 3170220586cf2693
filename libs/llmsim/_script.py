"""What a simulated model answers: scripted rules over the caller's text, and token counts.

Pure. A :class:`Script` is an ordered list of :class:`Rule` s; the first whose ``pattern``
matches (regex, case-insensitive, searched) the last message of its ``role`` wins, answering
either ``reply`` text or a ``tool_call``. With no match the model echoes: ``You said: <text>``.
Rules with ``role: tool`` answer what a tool returned, which is how a scripted conversation
continues after a tool call.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_TOKEN = re.compile(r"\S+\s*")


class ScriptedToolCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str
    role: Literal["user", "tool"] = "user"
    reply: str | None = None
    tool_call: ScriptedToolCall | None = None

    @model_validator(mode="after")
    def _one_answer(self) -> Rule:
        if (self.reply is None) == (self.tool_call is None):
            raise ValueError("a rule answers with exactly one of `reply` or `tool_call`")
        re.compile(self.pattern)
        return self


class Script(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(default_factory=list)
    echo_prefix: str = "You said: "


@dataclass(frozen=True)
class Answer:
    """A model turn: text, or one tool call (``tool_name`` set)."""

    text: str = ""
    tool_name: str | None = None
    tool_arguments: str = "{}"
    tool_call_id: str = ""

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.tool_name else "stop"


def _content(message: dict[str, Any]) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):  # OpenAI content parts
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


def answer(script: Script, messages: list[dict[str, Any]], *, call_number: int) -> Answer:
    """The scripted answer to a conversation; ``call_number`` makes tool call ids unique.

    A conversation ending in an assistant message is a request to continue that text (as
    providers with assistant prefill do): the answer is the rest of the scripted reply.
    """
    if messages and messages[-1].get("role") == "assistant" and not messages[-1].get("tool_calls"):
        prefix = _content(messages[-1])
        whole = answer(script, messages[:-1], call_number=call_number)
        if whole.tool_name is None and whole.text.startswith(prefix):
            return Answer(text=whole.text[len(prefix) :])
        return whole
    last: dict[str, str] = {}
    for message in messages:
        role = str(message.get("role", ""))
        if role in ("user", "tool"):
            last[role] = _content(message)
    latest_role = next(
        (str(m.get("role")) for m in reversed(messages) if m.get("role") in ("user", "tool")),
        "user",
    )
    for rule in script.rules:
        if rule.role != latest_role:
            continue
        if re.search(rule.pattern, last.get(rule.role, ""), re.IGNORECASE):
            if rule.tool_call is not None:
                return Answer(
                    tool_name=rule.tool_call.name,
                    tool_arguments=json.dumps(rule.tool_call.arguments),
                    tool_call_id=f"call_{call_number}",
                )
            return Answer(text=rule.reply or "")
    return Answer(text=f"{script.echo_prefix}{last.get(latest_role, '')}".strip())


def tokens(text: str) -> list[str]:
    """The pieces a reply is streamed in (a word with its trailing space)."""
    return _TOKEN.findall(text)


def count_prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """A stable token count for a prompt: words plus a few per message, as chat formats add."""
    return sum(4 + len(tokens(_content(m))) for m in messages)


def count_completion_tokens(result: Answer) -> int:
    if result.tool_name:
        return 3 + len(tokens(result.tool_arguments.replace(",", " ")))
    return len(tokens(result.text))
