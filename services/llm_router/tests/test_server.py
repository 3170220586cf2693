"""The servicer's boundary: a request a chat-completions API would refuse is INVALID_ARGUMENT
here, naming the field, and never reaches a provider (found by the fuzz suite)."""

from __future__ import annotations

import pytest

from frontdesk.v1 import llm_router_pb2
from llm_router.server import to_request
from servicekit.errors import InvalidArgument


def request(**fields: object) -> llm_router_pb2.CompleteRequest:
    asked = llm_router_pb2.CompleteRequest(
        messages=[llm_router_pb2.ChatMessage(role="user", content="what are your hours?")]
    )
    for name, value in fields.items():
        if name == "messages":
            del asked.messages[:]
            asked.messages.extend(value)  # type: ignore[arg-type]
        elif name == "tools":
            asked.tools.extend(value)  # type: ignore[arg-type]
        else:
            setattr(asked, name, value)
    return asked


def message(**fields: object) -> llm_router_pb2.ChatMessage:
    return llm_router_pb2.ChatMessage(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"messages": [message(role="narrator", content="hi")]}, r"messages\[0\]\.role"),
        ({"messages": [message(role="")]}, r"messages\[0\]\.role"),
        ({"messages": [message(role="tool", content="{}")]}, r"messages\[0\].*tool_call_id"),
        (
            {
                "messages": [
                    message(role="assistant", tool_calls=[llm_router_pb2.ToolCall(name="f")])
                ]
            },
            r"messages\[0\]\.tool_calls\[0\]",
        ),
        ({"temperature": float("nan")}, "temperature"),
        ({"temperature": -0.5}, "temperature"),
        ({"temperature": 2.5}, "temperature"),
        ({"max_tokens": -1}, "max_tokens"),
        ({"tools": [llm_router_pb2.Tool(name="has space")]}, r"tools\[0\]\.name"),
        ({"tools": [llm_router_pb2.Tool(name="f", parameters_json="[1]")]}, "JSON Schema object"),
        ({"tools": [llm_router_pb2.Tool(name="f", parameters_json="{nope")]}, "not JSON"),
    ],
)
def test_what_a_provider_would_refuse_is_invalid_argument(
    fields: dict[str, object], named: str
) -> None:
    with pytest.raises(InvalidArgument, match=named):
        to_request(request(**fields))


def test_a_well_formed_request_passes_with_its_defaults() -> None:
    asked = request(
        messages=[
            message(role="system", content="You are a front desk."),
            message(role="user", content="book me in"),
            message(
                role="assistant",
                tool_calls=[llm_router_pb2.ToolCall(id="t1", name="find_slots")],
            ),
            message(role="tool", tool_call_id="t1", content='{"options": []}'),
        ],
        tools=[llm_router_pb2.Tool(name="find_slots", parameters_json='{"type": "object"}')],
        temperature=2.0,
    )
    done = to_request(asked)
    assert [m.role for m in done.messages] == ["system", "user", "assistant", "tool"]
    assert done.temperature == 2.0 and done.max_tokens is None
    assert done.tools[0]["function"]["parameters"] == {"type": "object"}
