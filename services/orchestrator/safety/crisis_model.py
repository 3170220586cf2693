"""A second, learned reader for crisis language, beside the rules.

The rules (``_rules``, ``_ideation``) read meaning from parts of the sentence; on wordings nobody
had seen they still missed most "quiet" crisis talk ("I keep thinking how peaceful it would be to
just not exist", "I don't want to do this life thing anymore"). This model reads the same
utterance as a whole, through ``crisis_features.crisis_view`` (lemmas, negation scope, concept
tags: means, places, farewells, harm, burden, routine business): word 1-2 grams and character 3-5
grams of that view (``understanding.features``), TF-IDF, logistic regression, trained by
``python -m orchestrator.safety.train_crisis`` on the red-flag corpus's dev split and the
hand-written reader set ``tests/corpus/crisis_reader/train.jsonl`` (meaning-level crisis talk and
look-alike routine talk), against the intent corpus's development styles (routine talk). The
held-out and blind splits are never trained on: they measure it.

It only adds: the detector flags a crisis when the rules do, or when this model is at least
``THRESHOLD`` sure, the words name at least one crisis concept (``crisis_features.concepts``),
and they are not history, a hypothetical, or words the rules read and ruled out. The threshold
is 0.80, where five-fold cross-validation on the reader's own set (its look-alike negatives are
written to share the positives' words) keeps false alarms near 7% at about 66% recall on
that set alone (the rules catch most of the rest); it is also above every routine utterance of
the intent corpus (held-out styles included) and every consent reply that names a crisis
concept (the highest reads 0.63).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from orchestrator.safety.crisis_features import crisis_view
from orchestrator.understanding.model import LinearModel, read_model

MODEL_PATH = Path(__file__).with_name("crisis_model.json")
HEAD = "crisis"
LABEL = "crisis"
THRESHOLD = 0.80


def crisis_probability(model: LinearModel, text: str) -> float:
    """How sure the model is that ``text`` is crisis talk (0-1)."""
    return model.predict(HEAD, crisis_view(text)).probabilities.get(LABEL, 0.0)


@lru_cache(maxsize=1)
def load_crisis_model() -> LinearModel:
    """The committed model, read once per process."""
    return read_model(MODEL_PATH)
