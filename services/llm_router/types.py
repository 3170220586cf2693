"""The router's domain values, free of protobuf and of litellm."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments_json: str


@dataclass(frozen=True)
class Message:
    role: str
    content: str = ""
    tool_call_id: str = ""
    tool_calls: tuple[ToolCall, ...] = ()

    def to_openai(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_call_id:
            message["tool_call_id"] = self.tool_call_id
        if self.tool_calls:
            message["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_json},
                }
                for call in self.tool_calls
            ]
        return message


@dataclass(frozen=True)
class Request:
    """One completion asked of a route; budgets in seconds (None: the route's)."""

    call_id: str
    messages: tuple[Message, ...]
    route: str = ""
    clinic: str = ""
    tools: tuple[dict[str, Any], ...] = ()
    temperature: float | None = None
    max_tokens: int | None = None
    deadline_s: float | None = None
    ttft_budget_s: float | None = None
    # The caller's word that the messages are a clinic FAQ question (no caller words, no PHI):
    # the answer may then be shared by every call of the clinic (see llm_router.cache).
    clinic_faq: bool = False
    # Set by the router, not the caller: the canary variant that chose the route (a label).
    variant: str = ""


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    # The call's spend so far, this completion included (its cost ledger's total).
    call_cost_usd: float = 0.0


@dataclass(frozen=True)
class ProviderChunk:
    """A piece of a provider's stream, already decoded from litellm's shape."""

    text: str = ""
    # (index, id, name, arguments fragment), as OpenAI streams them.
    tool_deltas: tuple[tuple[int, str, str, str], ...] = ()
    finish_reason: str = ""
    usage: tuple[int, int] | None = None

    @property
    def is_token(self) -> bool:
        return bool(self.text or self.tool_deltas)


@dataclass(frozen=True)
class Chunk:
    """What the router streams to its caller."""

    delta: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str = ""
    provider: str = ""
    model: str = ""
    usage: Usage | None = None


@dataclass(frozen=True)
class Completion:
    message: Message
    provider: str
    model: str
    usage: Usage
    ttft_s: float
    finish_reason: str
    cached: bool = False


@dataclass(frozen=True)
class DeploymentView:
    provider: str
    model: str
    weight: float
    healthy: bool
    breaker_state: str


@dataclass(frozen=True)
class RouteView:
    name: str
    deployments: tuple[DeploymentView, ...] = field(default_factory=tuple)
