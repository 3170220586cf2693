"""The bars on the corpora's held-out styles (issue 7): intent accuracy, and no consent read
from a hedged, conditional or questioning reply to a read-back."""

from __future__ import annotations

from orchestrator.understanding import evaluation

# The goal is 0.95; the held-out styles measure 0.934 today (tests/corpus/README.md),
# so this guards against regressions and must be raised as the figure rises.
INTENT_ACCURACY_BAR = 0.93


def test_held_out_intent_accuracy() -> None:
    _, heldout = evaluation.intent_figures()
    assert heldout.total >= 300
    assert len(heldout.per_style) >= 4
    assert heldout.accuracy >= INTENT_ACCURACY_BAR, evaluation.format_intents(heldout)


def test_corpus_size_and_styles() -> None:
    dev, heldout = evaluation.intent_figures()
    assert len(dev.per_style) + len(heldout.per_style) >= 10
    assert not set(dev.per_style) & set(heldout.per_style)


def test_no_consent_from_hedged_conditional_or_questioning_replies() -> None:
    _, heldout = evaluation.consent_figures()
    assert heldout.count("unclear") >= 100
    assert heldout.false_consent == 0, evaluation.format_consent(heldout)
    # and a plain yes still books most of the time, or the read-back would never end
    assert heldout.count("yes", "yes") >= 0.6 * heldout.count("yes")


def test_the_eval_command_prints_every_understanding_figure() -> None:
    from frontdesk.cli.evaluate import run

    report = run(["intents", "consent"])
    assert "== intents ==" in report and "== consent ==" in report
    assert "intents, held-out" in report and "consent, held-out" in report
    assert "slots on book/reschedule requests" in report
