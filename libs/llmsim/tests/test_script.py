from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from llmsim import Rule, Script, ScriptedToolCall, answer, count_prompt_tokens, tokens

SCRIPT = Script(
    rules=[
        Rule(
            pattern=r"\bbook\b", tool_call=ScriptedToolCall(name="find_slots", arguments={"n": 3})
        ),
        Rule(pattern=r"slots", role="tool", reply="Tuesday at nine is free."),
        Rule(pattern=r"hello", reply="Hello, how can I help?"),
    ]
)


def test_first_matching_rule_answers_with_a_tool_call() -> None:
    result = answer(SCRIPT, [{"role": "user", "content": "I want to BOOK a visit"}], call_number=7)
    assert (result.tool_name, json.loads(result.tool_arguments)) == ("find_slots", {"n": 3})
    assert result.tool_call_id == "call_7" and result.finish_reason == "tool_calls"


def test_tool_rules_answer_the_latest_tool_message() -> None:
    messages = [
        {"role": "user", "content": "book please"},
        {"role": "assistant", "content": None},
        {"role": "tool", "content": '{"slots": ["tue 9"]}'},
    ]
    result = answer(SCRIPT, messages, call_number=2)
    assert (result.text, result.finish_reason) == ("Tuesday at nine is free.", "stop")


def test_no_match_echoes_the_caller() -> None:
    result = answer(SCRIPT, [{"role": "user", "content": "what are your hours"}], call_number=1)
    assert result.text == "You said: what are your hours"


def test_content_parts_are_read() -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": "hello there"}]}]
    assert answer(SCRIPT, messages, call_number=1).text == "Hello, how can I help?"


def test_a_rule_needs_exactly_one_answer() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        Rule(pattern="x")
    with pytest.raises(ValidationError, match="exactly one"):
        Rule(pattern="x", reply="a", tool_call=ScriptedToolCall(name="t"))


def test_tokens_and_counts() -> None:
    assert tokens("Tuesday at nine.") == ["Tuesday ", "at ", "nine."]
    assert count_prompt_tokens([{"role": "user", "content": "one two"}]) == 6


def test_a_trailing_assistant_message_asks_for_the_rest() -> None:
    messages = [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "Hello, how "},
    ]
    assert answer(SCRIPT, messages, call_number=1).text == "can I help?"
    other = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "Goodbye"}]
    assert answer(SCRIPT, other, call_number=1).text == "Hello, how can I help?"
