"""The style corpus (tests/corpus/phi): its shape, the scorer, and the bar on held-out families."""

from __future__ import annotations

import json
from collections import Counter

import pytest

import phi
from phi_eval import CORPUS_DIR, corpus_staff, evaluate_corpus, load_corpus
from phi_eval._dataset import Example, GoldSpan

HELDOUT_FAMILIES = {
    "elderly",
    "third_party",
    "stt_errors",
    "self_repair",
    "distressed",
    "code_switch",
    "voicemail",
    "dictation",
    "teen",
    "interpreter",
    "repeat_back",
    "long_pauses",
}


def test_the_corpus_is_split_by_style_family_never_by_row() -> None:
    rows = [json.loads(line) for line in (CORPUS_DIR / "utterances.jsonl").open(encoding="utf-8")]
    styles = {row["style"] for row in rows}
    assert len(styles) >= 10
    assert {row["style"] for row in rows if row["split"] == "heldout"} == HELDOUT_FAMILIES
    for row in rows:
        assert (row["split"] == "heldout") == (row["style"] in HELDOUT_FAMILIES)
        for span in row["spans"]:
            value = row["text"][span["start"] : span["end"]]
            assert value == value.strip() and value, row
    entities = Counter(span["entity"] for row in rows for span in row["spans"])
    assert {"NAME", "PHONE", "SSN", "DATE", "ADDRESS"} <= set(entities)
    assert any(not ch.isascii() for row in rows for ch in row["text"])  # accented names


def test_the_scorer_counts_a_partly_redacted_number_as_a_miss() -> None:
    text = "my cell is eight four three, six four one, four five oh seven"
    gold = (GoldSpan(11, len(text), "PHONE"),)
    ex = Example(text, gold, "x-0", phi.Known())

    class LastGroupOnly(phi.Engine):
        def detect(self, text: str, known: phi.Known | None = None) -> list[phi.Span]:
            start = text.index("four five")
            return [phi.Span(start, len(text), phi.Entity.PHONE, phi.Source.PATTERN)]

    partial = evaluate_corpus(LastGroupOnly(), [ex])
    assert partial.overall.identifier_recall == 0.0
    assert partial.overall.token_recall == pytest.approx(4 / 10)
    assert partial.overall.token_precision == 1.0
    whole = evaluate_corpus(phi.Engine(), [ex])
    assert whole.overall.identifier_recall == 1.0


def test_dev_families() -> None:
    result = evaluate_corpus(phi.Engine(strict=True, allow=corpus_staff()), load_corpus("dev"))
    assert result.overall.token_recall >= 0.99
    assert result.overall.token_precision >= 0.95


def test_heldout_families_meet_the_bar() -> None:
    """Token recall >= 0.99 and precision >= 0.90 on the held-out families (three rounds, each
    written before it was first measured; see libs/phi/README.md for the first-run figures)."""
    result = evaluate_corpus(phi.Engine(strict=True, allow=corpus_staff()), load_corpus("heldout"))
    assert result.overall.token_recall >= 0.99
    assert result.overall.token_precision >= 0.90
    # Numbers are never published in part.
    for entity in ("PHONE", "SSN"):
        assert result.per_entity[entity].identifier_recall == 1.0, entity
    for entity in ("NAME", "DATE", "ADDRESS"):
        assert result.per_entity[entity].token_recall >= 0.97, entity
