"""The issue's bar on the red-flag corpus (tests/corpus/red_flags): on the held-out styles,
every red flag gets the right script, every category is present, and false alarms stay at or
under 2% of the hard negatives. Also: the splits are by style (no style in two splits) and every
row is well formed."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.safety import Category, RedFlagDetector, default_detector
from orchestrator.safety.evaluation import (
    CorpusError,
    Example,
    evaluate,
    format_report,
    parse_examples,
)

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "corpus" / "red_flags"
SPLITS = (
    "dev",
    "heldout",
    "blind",
    "blind2",
    "blind3",
    "blind4",
    "blind5",
    "blind6",
    "blind7",
    "blind8",
    "blind9",
    "blind10",
)
MEDICAL = [c.value for c in Category if c is not Category.OTHER]


def load(split: str) -> list[Example]:
    path = CORPUS / f"{split}.jsonl"
    return parse_examples(path.read_text(encoding="utf-8").splitlines(), str(path))


@pytest.fixture(scope="module")
def detector() -> RedFlagDetector:
    return default_detector()


def test_heldout_meets_the_bar(detector: RedFlagDetector) -> None:
    examples = load("heldout")
    result = evaluate(detector, examples)
    report = format_report(result, "red flags, heldout")
    assert sorted(result.flags) == sorted(MEDICAL), report  # every category present
    assert result.recall == 1.0, report
    assert result.false_alarm_rate <= 0.02, report


@pytest.mark.parametrize("split", ["blind3", "blind4", "blind5"])
def test_later_blind_splits_hold(detector: RedFlagDetector, split: str) -> None:
    """The blind splits written for the compositional detector (each measured once before it
    was changed for them; see the corpus README): no crisis missed, every red flag heard with the
    right script, false alarms at most 2%."""
    result = evaluate(detector, load(split))
    report = format_report(result, f"red flags, {split}")
    assert result.recall == 1.0, report
    assert result.false_alarm_rate <= 0.02, report


def test_splits_are_by_style_and_large_enough() -> None:
    styles = {split: {e.style for e in load(split)} for split in SPLITS}
    for i, first in enumerate(SPLITS):
        for second in SPLITS[i + 1 :]:
            assert not styles[first] & styles[second], (first, second)
    everything = [e for split in SPLITS for e in load(split)]
    assert len({e.style for e in everything}) >= 10
    assert sum(e.red_flag for e in everything) >= 300
    assert sum(not e.red_flag for e in everything) >= 300
    assert len({e.text for e in everything}) == len(everything)  # no row twice


def test_malformed_rows_name_their_line() -> None:
    with pytest.raises(CorpusError, match=r"x\.jsonl:2"):
        parse_examples(['{"text": "a", "red_flag": false, "kind": "idiom", "style": "s",'
                        ' "split": "dev"}', '{"text": "b"}'], "x.jsonl")  # fmt: skip
    with pytest.raises(CorpusError, match="unknown category"):
        parse_examples(['{"text": "a", "red_flag": true, "category": "flu", "style": "s",'
                        ' "split": "dev"}'])  # fmt: skip


def test_the_crisis_reader_is_current() -> None:
    from orchestrator.safety import train_crisis

    assert train_crisis.main(["--check"]) == 0, "run python -m orchestrator.safety.train_crisis"


def test_the_crisis_reader_never_flags_routine_talk(detector: RedFlagDetector) -> None:
    """Its threshold: no utterance of the intent corpus (held-out styles included, never
    trained on) and no reply to a read-back is read as a crisis."""
    from orchestrator.understanding import corpus

    root = CORPUS.parent
    routine = [e.text for e in corpus.load(root / "intents")]
    routine += [e.text for e in corpus.load(root / "consent", with_slots=False)]
    rules_only = RedFlagDetector()
    # The consent corpus holds red flags said with a yes on purpose: those are the rules'.
    flagged = [t for t in routine if detector.find(t) != rules_only.find(t)]
    assert flagged == []


@pytest.mark.parametrize(
    ("said", "crisis"),
    [
        # The rules' denial stands whatever the reader thinks.
        ("I don't want to kill myself, I just feel low and want to see someone", False),
        ("I'm not thinking about ending my life, I just want to talk about my mood", False),
        # The rules alone read nothing here; the reader does.
        ("I keep thinking it would be so peaceful to not exist", True),
    ],
)
def test_the_crisis_reader_only_adds(detector: RedFlagDetector, said: str, crisis: bool) -> None:
    rules_only = RedFlagDetector()
    flag = detector.find(said)
    assert (flag is not None and flag.script.value == "crisis") is crisis
    if crisis:
        assert rules_only.find(said) is None or rules_only.find(said) == flag
