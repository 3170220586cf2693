"""Requests shaped to pass a method's front checks, adversarial everywhere else, so the fuzz
reaches the code behind them: fully random completions all stop at the role check (a random
role is refused before any routing), so half the generated ones are shaped here instead.

    strategy = shaped(llm_router_pb2.CompleteRequest)   # None: no shape for that type
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf.message import Message
from hypothesis import strategies as st

from frontdesk.v1 import common_pb2, llm_router_pb2

from .messages import TEXT, messages

_IDENT = st.from_regex(r"\A[A-Za-z0-9_-]{1,64}\Z")
_JSON_OBJECT = st.dictionaries(
    st.text(max_size=10), st.one_of(st.none(), st.booleans(), st.integers(), st.text()), max_size=4
).map(json.dumps)
# Budgets around the interesting edges: unset, instantly spent, short, long, absurd.
_BUDGET_MS = st.one_of(
    st.just(0), st.integers(-10, 50), st.integers(50, 20_000), st.integers(-(2**31), 2**31 - 1)
)


@st.composite
def _chat(draw: Any) -> list[llm_router_pb2.ChatMessage]:
    chat = []
    for _ in range(draw(st.integers(1, 8))):
        role = draw(st.sampled_from(["system", "user", "assistant", "tool"]))
        message = llm_router_pb2.ChatMessage(role=role, content=draw(TEXT))
        if role == "tool":
            message.tool_call_id = draw(_IDENT)
        if role == "assistant" and draw(st.booleans()):
            for _ in range(draw(st.integers(1, 3))):
                message.tool_calls.add(
                    id=draw(_IDENT),
                    name=draw(_IDENT),
                    arguments_json=draw(st.one_of(_JSON_OBJECT, TEXT)),
                )
        chat.append(message)
    return chat


@st.composite
def _completion(draw: Any) -> llm_router_pb2.CompleteRequest:
    request = llm_router_pb2.CompleteRequest(
        context=draw(messages(common_pb2.CallContext)),
        route=draw(st.sampled_from(["", "", "dialogue", "dialogue-next"])),
        messages=draw(_chat()),
        temperature=draw(st.one_of(st.just(0.0), st.floats(0, 2))),
        max_tokens=draw(st.one_of(st.just(0), st.integers(1, 100_000))),
        deadline_ms=draw(_BUDGET_MS),
        ttft_budget_ms=draw(_BUDGET_MS),
        clinic_faq=draw(st.booleans()),
    )
    for _ in range(draw(st.integers(0, 3))):
        request.tools.add(
            name=draw(_IDENT), description=draw(TEXT), parameters_json=draw(_JSON_OBJECT)
        )
    return request


SHAPES: dict[type[Message], st.SearchStrategy[Message]] = {
    llm_router_pb2.CompleteRequest: _completion(),
}


def shaped(message_type: type[Message]) -> st.SearchStrategy[Message] | None:
    return SHAPES.get(message_type)
