"""Emergency signs, requests for a person and out-of-scope questions, with negations."""

from __future__ import annotations

import pytest

from orchestrator.guardrails import asks_for_human, find_red_flag, out_of_scope


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("i have chest pain", "chest_pain"),
        ("my dad has really bad pain in his chest", "chest_pain"),
        ("I think I'm having a heart attack", "chest_pain"),
        ("she can't breathe", "breathing"),
        ("i'm having trouble breathing", "breathing"),
        ("he's short of breath", "breathing"),
        ("he is not breathing", "breathing"),
        ("i think she's having a stroke", "stroke"),
        ("his face is drooping", "stroke"),
        ("her speech is slurred", "stroke"),
        ("i'm slurring my words", "stroke"),
        ("my arm is numb on one side", "stroke"),
        ("i feel numb down one side of my body", "stroke"),
        ("there's a lot of bleeding", "bleeding"),
        ("the cut won't stop bleeding", "bleeding"),
        ("he's bleeding heavily", "bleeding"),
        ("she's unconscious", "unconscious"),
        ("my son passed out", "unconscious"),
        ("i think i overdosed", "overdose"),
        ("he took too many pills", "overdose"),
        ("i'm having suicidal thoughts", "suicidal"),
        ("i want to die", "suicidal"),
        ("i'm going to kill myself", "suicidal"),
        ("i want to end my life", "suicidal"),
        ("allergic reaction and my throat is swelling", "allergic_reaction"),
        ("i'm having an allergic reaction with swelling", "allergic_reaction"),
        ("her lips are swollen after a bee sting", "allergic_reaction"),
        ("he's having a seizure", "seizure"),
        ("this is an emergency", "emergency"),
        ("no fever but chest pain", "chest_pain"),  # a new clause after "but"
        ("I'm not sure but I can't breathe well", "breathing"),
        ("CHEST PAIN!", "chest_pain"),
    ],
)
def test_red_flags(said: str, kind: str) -> None:
    flag = find_red_flag(said)
    assert flag is not None and flag.kind == kind


@pytest.mark.parametrize(
    "said",
    [
        "no chest pain just a cough",
        "i don't have chest pain",
        "without any trouble breathing",
        "it's not an emergency",
        "he never passed out",
        "i'm not suicidal",
        "i don't want to die from the flu lol",
        "i have a sore throat and a fever",
        "i need a flu shot",
        "book a checkup for next tuesday",
        "my allergies are acting up",
        "",
    ],
)
def test_not_red_flags(said: str) -> None:
    assert find_red_flag(said) is None


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
