"""The issue's bar on the red-flag corpus (tests/corpus/red_flags): on the held-out styles,
every red flag gets the right script, every category is present, and false alarms stay at or
under 2% of the hard negatives. Also: the splits are by style (no style in two splits) and every
row is well formed."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.safety import Category, RedFlagDetector
from orchestrator.safety.evaluation import (
    CorpusError,
    Example,
    evaluate,
    format_report,
    parse_examples,
)

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "corpus" / "red_flags"
SPLITS = ("dev", "heldout", "blind", "blind2", "blind3", "blind4", "blind5")
MEDICAL = [c.value for c in Category if c is not Category.OTHER]


def load(split: str) -> list[Example]:
    path = CORPUS / f"{split}.jsonl"
    return parse_examples(path.read_text(encoding="utf-8").splitlines(), str(path))


@pytest.fixture(scope="module")
def detector() -> RedFlagDetector:
    return RedFlagDetector()


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
