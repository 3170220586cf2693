"""Evaluation kit for the ``phi`` engine: synthetic labelled call utterances and scoring.

``phi_eval.dataset("heldout", n=2000, seed=0)`` returns reproducible examples;
``python -m phi_eval evaluate --split heldout`` prints the score table.
"""

from __future__ import annotations

from ._corpus import (
    CORPUS_DIR,
    CorpusResult,
    EntityScore,
    corpus_staff,
    evaluate_corpus,
    format_corpus,
    load_corpus,
)
from ._dataset import Example, GoldSpan, dataset, templates
from ._metrics import Counts, Report, format_report, score
from ._templates import PROVIDERS

__all__ = [
    "CORPUS_DIR",
    "PROVIDERS",
    "CorpusResult",
    "Counts",
    "EntityScore",
    "Example",
    "GoldSpan",
    "Report",
    "corpus_staff",
    "dataset",
    "evaluate_corpus",
    "format_corpus",
    "format_report",
    "load_corpus",
    "score",
    "templates",
]
