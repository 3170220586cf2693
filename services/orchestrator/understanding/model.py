"""The trained linear classifiers (intent; reason for the visit), loaded from a plain JSON file.

The artefact ``intent_model.json`` is written by ``python -m orchestrator.understanding.train``
(no pickle: a vocabulary, inverse document frequencies and one weight row per feature for each
head). Inference repeats the training transform exactly — sublinear term frequency times IDF,
L2 normalised — then a softmax over ``weights . x + bias``. A few hundred dictionary look-ups and
multiply-adds: well under a millisecond per utterance, no numpy needed::

    model = load_model()
    model.predict("intent", "do you have anything open tuesday")  # Prediction("book", 0.93, ...)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from orchestrator.understanding.features import EXTRACTORS, WORD_VIEWS

MODEL_PATH = Path(__file__).with_name("intent_model.json")
FORMAT = "frontdesk-linear-v1"


@dataclass(frozen=True)
class Prediction:
    """The most likely label, its probability, and every label's probability."""

    label: str
    probability: float
    probabilities: dict[str, float]


@dataclass(frozen=True)
class Head:
    """One linear classifier over the shared features."""

    labels: tuple[str, ...]
    weights: dict[int, tuple[float, ...]]  # feature index -> one weight per label
    bias: tuple[float, ...]


@dataclass(frozen=True)
class LinearModel:
    """The shared vocabulary and IDF, and the classifiers (heads) reading them."""

    vocabulary: dict[str, int]
    idf: tuple[float, ...]
    heads: dict[str, Head]
    fingerprint: str
    feature_set: str = "v1"  # which ``features.EXTRACTORS`` the artefact was trained on

    def vector(self, text: str) -> dict[int, float]:
        """The TF-IDF vector of ``text`` (sparse, L2 normalised); unknown features dropped."""
        values: dict[int, float] = {}
        for feature, count in EXTRACTORS[self.feature_set](text).items():
            index = self.vocabulary.get(feature)
            if index is not None:
                values[index] = (1.0 + math.log(count)) * self.idf[index]
        norm = math.sqrt(sum(v * v for v in values.values()))
        return {i: v / norm for i, v in values.items()} if norm else {}

    def known_words(self, text: str) -> list[str]:
        """The words of ``text`` the model has seen as words (not only as character grams)."""
        return [w for w in WORD_VIEWS[self.feature_set](text) if f"w:{w}" in self.vocabulary]

    def predict(self, head_name: str, text: str) -> Prediction:
        head = self.heads[head_name]
        scores = list(head.bias)
        for index, value in self.vector(text).items():
            row = head.weights.get(index)
            if row is not None:
                for k, weight in enumerate(row):
                    scores[k] += weight * value
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        probabilities = {label: e / total for label, e in zip(head.labels, exps, strict=True)}
        best = max(range(len(scores)), key=scores.__getitem__)
        return Prediction(head.labels[best], exps[best] / total, probabilities)


class ModelError(ValueError):
    """The artefact is missing or not in the expected format."""


def model_from_dict(data: dict[str, Any]) -> LinearModel:
    if data.get("format") != FORMAT:
        raise ModelError(f"model format {data.get('format')!r}, expected {FORMAT!r}")
    vocabulary = {feature: i for i, feature in enumerate(data["vocabulary"])}
    heads = {}
    for name, head in data["heads"].items():
        weights = {int(i): tuple(row) for i, row in head["weights"].items()}
        heads[name] = Head(tuple(head["labels"]), weights, tuple(head["bias"]))
    feature_set = str(data.get("features", "v1"))
    if feature_set not in EXTRACTORS:
        raise ModelError(f"model features {feature_set!r}, known: {sorted(EXTRACTORS)}")
    return LinearModel(vocabulary, tuple(data["idf"]), heads, data["fingerprint"], feature_set)


def read_model(path: Path) -> LinearModel:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ModelError(
            f"{path} is missing: run `python -m orchestrator.understanding.train`"
        ) from error
    return model_from_dict(data)


@lru_cache(maxsize=1)
def load_model() -> LinearModel:
    """The committed model, read once per process (the file is immutable data, like a compiled
    regex; services call this at start-up so the first caller does not pay for it)."""
    return read_model(MODEL_PATH)
