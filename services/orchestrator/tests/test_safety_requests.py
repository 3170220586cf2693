"""Requests for a person and out-of-scope questions, with negations (``orchestrator.safety``)."""

from __future__ import annotations

import pytest

from orchestrator.safety import asks_for_human, out_of_scope


@pytest.mark.parametrize(
    "said",
    [
        "operator",
        "can i talk to a person",
        "let me speak with someone",
        "i want a real person",
        "receptionist please",
        "representative",
        "agent",
        "transfer me",
        "connect me to the front desk",
        "can I speak to the nurse",
        "I need a person",
        "get me a human",
        "my name is James Smith, I need a person",
        "can I talk to the receptionist, she told me to call back",
    ],
)
def test_asks_for_human(said: str) -> None:
    assert asks_for_human(said)


@pytest.mark.parametrize(
    "said",
    [
        "i don't need to talk to a person",
        "i don't need a person",
        "book a checkup",
        "jane doe",
        "no",
        "the person is me",
        "my insurance agent told me to call",
        "the receptionist at my old doctor said to call you",
    ],
)
def test_not_asking_for_human(said: str) -> None:
    assert not asks_for_human(said)


@pytest.mark.parametrize(
    ("said", "topic"),
    [
        ("what do my blood test results mean", "test_results"),
        ("are my lab results back", "test_results"),
        ("can you tell me my results", "test_results"),
        ("what dose of ibuprofen should i take", "prescription_dosing"),
        ("how many tablets can i take", "prescription_dosing"),
        ("how much ibuprofen can I give my toddler?", "prescription_dosing"),
        ("is 500 mg too much", "prescription_dosing"),
        ("should i be worried about this rash", "medical_advice"),
        ("is it normal to feel dizzy", "medical_advice"),
        ("what are the side effects", "medical_advice"),
        ("i have a question about my bill", "billing"),
        ("i was overcharged", "billing"),
        ("i want a refund", "billing"),
    ],
)
def test_out_of_scope(said: str, topic: str) -> None:
    assert out_of_scope(said) == topic


@pytest.mark.parametrize(
    "said",
    [
        "book a follow up to go over my test results",
        "this is bill smith",
        "i need a checkup",
        "my name is bill",
        "not about my bill, i want to book",
        "",
    ],
)
def test_in_scope(said: str) -> None:
    assert out_of_scope(said) is None
