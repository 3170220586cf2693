"""The crisis reader's view of a text, the means-beside-intent rule, and the reader's training
set (never the held-out or blind red-flag splits)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.safety import RedFlagDetector, Script
from orchestrator.safety.crisis_features import CRISIS_FAMILIES, concepts, crisis_view

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "corpus"


def test_negation_scope_marks_the_words_it_covers_up_to_the_clause_end() -> None:
    view = crisis_view("I don't want to die, I want my results").split()
    assert "znegdie" in view
    assert "znegresults" not in view  # the comma closed the scope
    assert "znegdie" not in crisis_view("I want to die").split()


def test_speech_without_punctuation_still_closes_the_scope_at_but() -> None:
    view = crisis_view("i dont want the morning slot but i want to be gone").split()
    assert "znegmorning" in view
    assert "znegbe" not in view and "zneggone" not in view


def test_concepts_and_their_pairs_are_tagged() -> None:
    view = crisis_view("I have the rope ready for tonight").split()
    assert {"zmeans", "zfinal", "zpfinalmeans"} <= set(view)


def test_idioms_and_things_that_die_carry_no_death() -> None:
    assert "zdeath" not in crisis_view("I'm bored to death")
    assert "zdeath" not in crisis_view("the photocopier just died on us")
    assert "zdeath" in crisis_view("my son says he wants to be dead")


def test_routine_words_name_no_crisis_concept() -> None:
    assert not concepts("can I book a checkup for Tuesday") & CRISIS_FAMILIES
    assert concepts("I've written letters to everyone") & CRISIS_FAMILIES


@pytest.mark.parametrize(
    "said",
    [
        "i have the gun in my lap and i dont know why i called",
        "I've been saving my pills for when I'm ready",
        "I sat on the ledge for an hour last night and I'm going back out",
        "I put the rope in the shed, tonight is the night",
        "I'm standing on the overpass right now",
    ],
)
def test_a_means_beside_intent_is_a_crisis_for_the_rules_alone(said: str) -> None:
    flag = RedFlagDetector().find(said)
    assert flag is not None and flag.script is Script.CRISIS


@pytest.mark.parametrize(
    "said",
    [
        "I need a form signed for my gun license",
        "I've been saving up my pills for when I need them",
        "I had a rope in the garage years ago when I was ready, I am better now",
        "where can I drop off old pills from the medicine cabinet",
        "I cut my hand with a kitchen knife tonight, it's a small cut",
        "my husband takes the gun to the range on weekends, he needs a hearing test",
        "I'm on the bridge and I'll be ten minutes late for my appointment",
    ],
)
def test_a_means_in_routine_business_is_not(said: str) -> None:
    assert RedFlagDetector().find(said) is None


@pytest.mark.parametrize(
    ("said", "crisis"),
    [
        ("I've been researching ways to overdose", True),
        ("I googled how to die", True),
        ("i burned myself on the curling iron, is there a cream for it", False),
        ("I keep burning myself with a lighter", True),
        ("my mom says everyone would be better off if i got the flu shot", False),
        ("everyone would be better off if I was gone", True),
    ],
)
def test_rule_exceptions_hold_for_the_reader_too(said: str, crisis: bool) -> None:
    from orchestrator.safety import default_detector

    flag = default_detector().find(said)
    assert (flag is not None and flag.script is Script.CRISIS) is crisis


def test_the_reader_never_trains_on_held_out_or_blind_rows() -> None:
    from orchestrator.safety import train_crisis

    assert train_crisis.SPLITS == ("dev",)
    texts, _ = train_crisis.training_set(CORPUS.parents[1])
    trained = {t.casefold() for t in texts}
    for path in sorted((CORPUS / "red_flags").glob("*.jsonl")):
        if path.stem == "dev":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                assert json.loads(line)["text"].casefold() not in trained, path.name
