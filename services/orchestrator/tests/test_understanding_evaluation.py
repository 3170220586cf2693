"""The bars on the corpora's held-out styles (issue 7): intent accuracy, and no consent read
from a hedged, conditional or questioning reply to a read-back."""

from __future__ import annotations

from orchestrator.understanding import evaluation

# The goal is 0.95; the held-out styles measure 0.937 today (tests/corpus/README.md,
# round 2), so this guards against regressions with a two-utterance margin for noise and must be
# raised as the figure rises.
INTENT_ACCURACY_BAR = 0.93


def test_held_out_intent_accuracy() -> None:
    _, heldout = evaluation.intent_figures()
    assert heldout.total >= 300
    assert len(heldout.per_style) >= 4
    assert heldout.accuracy >= INTENT_ACCURACY_BAR, evaluation.format_intents(heldout)


def test_the_blind_set_is_read_and_never_trained_on() -> None:
    from orchestrator.understanding import corpus, train

    folder = train.corpus_folder()
    blind = corpus.load(folder, blind=True)
    assert len(blind) >= 120
    assert len({e.label for e in blind}) >= 8
    assert all(corpus.is_blind(folder / f"{e.style}.tsv") for e in blind)
    # neither the model's training rows nor its fingerprint read a blind file
    trained = {(e.style, e.text) for e in train.training_examples(folder)}
    assert not trained & {(e.style, e.text) for e in blind}
    assert not any(corpus.is_blind(path) for path in corpus.training_files(folder))
    figures = evaluation.blind_intent_figures()
    assert figures.total == len(blind)


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
    assert "intents, blind" in report
    assert "slots on book/reschedule requests" in report
