"""A second, learned reader for crisis language, beside the rules.

The rules (``_rules``, ``_ideation``) read meaning from parts of the sentence; on wordings nobody
had seen they still missed most "quiet" crisis talk ("I keep thinking how peaceful it would be to
just not exist", "I don't want to do this life thing anymore"). This model reads the same
utterance as a whole: word 1-2 grams and character 3-5 grams (``understanding.features``), TF-IDF,
logistic regression, trained by ``python -m orchestrator.safety.train_crisis`` on every crisis
utterance of the red-flag corpus except the last blind split (``blind6``, kept to measure it)
against every other red-flag row and the intent corpus's development styles (routine talk).

It only adds: the detector flags a crisis when the rules do, or when this model is at least
``THRESHOLD`` sure and the words are not history or a hypothetical. The threshold is the lowest
at which no routine utterance of the intent corpus's held-out styles (395) and no consent reply
is flagged.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from orchestrator.understanding.model import LinearModel, read_model

MODEL_PATH = Path(__file__).with_name("crisis_model.json")
HEAD = "crisis"
LABEL = "crisis"
THRESHOLD = 0.85


def crisis_probability(model: LinearModel, text: str) -> float:
    """How sure the model is that ``text`` is crisis talk (0-1)."""
    return model.predict(HEAD, text).probabilities.get(LABEL, 0.0)


@lru_cache(maxsize=1)
def load_crisis_model() -> LinearModel:
    """The committed model, read once per process."""
    return read_model(MODEL_PATH)
