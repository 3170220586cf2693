"""Train the intent and visit-reason classifiers on the corpus; write ``intent_model.json``.

    python -m orchestrator.understanding.train            # retrain, write the artefact
    python -m orchestrator.understanding.train --check    # exit 1 if the artefact is stale
    python -m orchestrator.understanding.train --search   # leave-one-style-out C search (dev)

Only the development styles are read: the held-out styles (``tests/corpus/intents/
heldout.txt``) are never trained or tuned on. TF-IDF over ``features.features`` (word 1-2 grams,
character 3-5 grams), then multinomial logistic regression (scikit-learn, lbfgs: deterministic,
no random state). The artefact records a fingerprint of the training data and of this code:
a test fails when the committed file no longer matches them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from orchestrator.understanding import corpus
from orchestrator.understanding.features import EXTRACTORS, FEATURE_SET
from orchestrator.understanding.model import FORMAT, MODEL_PATH

# Chosen by --search (leave-one-style-out over the development styles only).
C_INTENT = 30.0
C_REASON = 10.0
MIN_DOCUMENTS = 2  # a feature seen in one utterance only is noise, not vocabulary
WEIGHT_FLOOR = 0.005  # smaller weights change no decision; dropping them keeps the file small
DIGITS = 4
NO_REASON = "none"


def corpus_folder(root: Path | None = None) -> Path:
    return (root or corpus.repo_root()) / "tests" / "corpus" / "intents"


def fingerprint(folder: Path) -> str:
    """sha256 of the development corpus files, the held-out list and the training code."""
    digest = hashlib.sha256()
    sources = [folder / "heldout.txt", *corpus.training_files(folder)]
    here = Path(__file__).parent
    sources += [here / "train.py", here / "features.py", here / "corpus.py"]
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
    return digest.hexdigest()


def training_examples(folder: Path) -> list[corpus.Example]:
    return [e for e in corpus.load(folder) if not e.heldout]


def reason_label(example: corpus.Example) -> str:
    return example.slots.get("type", NO_REASON)


def fit(
    texts: Sequence[str],
    heads: Mapping[str, tuple[Sequence[str], float]],
    feature_set: str = FEATURE_SET,
) -> dict[str, Any]:
    """The artefact (as a dict) for ``texts`` and, per head, its labels and C, over the named
    feature set (``features.EXTRACTORS``)."""
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    features = EXTRACTORS[feature_set]
    counted = [features(text) for text in texts]
    documents: Counter[str] = Counter()
    for counts in counted:
        documents.update(counts.keys())
    kept = sorted(f for f, n in documents.items() if n >= MIN_DOCUMENTS)
    vectorizer = DictVectorizer(sort=False)
    vectorizer.fit([{f: 1 for f in kept}])
    matrix = vectorizer.transform(
        [
            {f: c for f, c in counts.items() if f in documents and documents[f] >= MIN_DOCUMENTS}
            for counts in counted
        ]
    )
    tfidf = TfidfTransformer(sublinear_tf=True)
    x = tfidf.fit_transform(matrix)
    vocabulary = list(vectorizer.feature_names_)
    out_heads: dict[str, Any] = {}
    for name, (labels, c) in heads.items():
        classifier = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        classifier.fit(x, list(labels))
        classes = [str(label) for label in classifier.classes_]
        coef = np.asarray(classifier.coef_)
        if len(classes) == 2:  # binary: scikit-learn keeps one row; make it two-sided
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            bias = [float(-classifier.intercept_[0] / 2), float(classifier.intercept_[0] / 2)]
        else:
            bias = [float(b) for b in classifier.intercept_]
        weights = {}
        for index in range(coef.shape[1]):
            column = coef[:, index]
            if float(np.max(np.abs(column))) >= WEIGHT_FLOOR:
                weights[str(index)] = [round(float(w), DIGITS) for w in column]
        out_heads[name] = {
            "labels": classes,
            "bias": [round(b, DIGITS) for b in bias],
            "weights": weights,
        }
    return {
        "format": FORMAT,
        "features": feature_set,
        "vocabulary": vocabulary,
        "idf": [round(float(v), DIGITS) for v in tfidf.idf_],
        "heads": out_heads,
    }


def train(folder: Path) -> dict[str, Any]:
    examples = training_examples(folder)
    texts = [e.text for e in examples]
    artefact = fit(
        texts,
        {
            "intent": ([e.label for e in examples], C_INTENT),
            "reason": ([reason_label(e) for e in examples], C_REASON),
        },
    )
    artefact["fingerprint"] = fingerprint(folder)
    artefact["trained_on"] = {
        "utterances": len(examples),
        "styles": sorted({e.style for e in examples}),
    }
    return artefact


def dump(artefact: dict[str, Any]) -> str:
    return json.dumps(artefact, sort_keys=True, separators=(",", ":")) + "\n"


def cross_validate(folder: Path, c_intent: float, c_reason: float) -> list[tuple[str, str, str]]:
    """Leave-one-style-out over the development styles: for each style, a model trained on the
    others reads it through the whole ``classify_intent`` pipeline (model, guards, rules).
    Returns (gold, predicted, text) for every development utterance."""
    from orchestrator.understanding.intents import classify_intent
    from orchestrator.understanding.model import model_from_dict

    examples = training_examples(folder)
    results: list[tuple[str, str, str]] = []
    for style in sorted({e.style for e in examples}):
        train_set = [e for e in examples if e.style != style]
        artefact = fit(
            [e.text for e in train_set],
            {
                "intent": ([e.label for e in train_set], c_intent),
                "reason": ([reason_label(e) for e in train_set], c_reason),
            },
        )
        artefact["fingerprint"] = ""
        model = model_from_dict(artefact)
        results += [
            (e.label, classify_intent(e.text, model).intent, e.text)
            for e in examples
            if e.style == style
        ]
    return results


def search(folder: Path) -> None:
    """Leave-one-style-out accuracy of the whole pipeline for a few C values (dev only)."""
    for c in (3.0, 10.0, 30.0, 100.0):
        results = cross_validate(folder, c, C_REASON)
        right = sum(gold == got for gold, got, _ in results)
        print(f"C={c:>6}: intent {right / len(results):.3f} ({len(results)} utterances)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrator.understanding.train")
    parser.add_argument("--corpus", type=Path, help="default: tests/corpus/intents")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if the artefact is stale")
    parser.add_argument("--search", action="store_true", help="leave-one-style-out C search")
    args = parser.parse_args(argv)
    folder = args.corpus or corpus_folder()
    if args.search:
        search(folder)
        return 0
    if args.check:
        committed = json.loads(args.out.read_text(encoding="utf-8")).get("fingerprint")
        if committed != fingerprint(folder):
            print(f"{args.out} is stale: run python -m orchestrator.understanding.train")
            return 1
        print(f"{args.out} is current")
        return 0
    artefact = train(folder)
    args.out.write_text(dump(artefact), encoding="utf-8")
    sizes = {name: len(head["weights"]) for name, head in artefact["heads"].items()}
    print(
        f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB): "
        f"{artefact['trained_on']['utterances']} utterances, "
        f"{len(artefact['vocabulary'])} features, weighted {sizes}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
