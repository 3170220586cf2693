"""The trained intent model: the committed artefact matches the corpus and code, training is
deterministic, and inference agrees with the classifier it was exported from."""

from __future__ import annotations

import json

import pytest

from orchestrator.understanding import train
from orchestrator.understanding.model import MODEL_PATH, load_model, model_from_dict


def test_the_committed_model_is_trained_on_the_current_corpus_and_code() -> None:
    committed = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["fingerprint"]
    assert committed == train.fingerprint(train.corpus_folder()), (
        "intent_model.json is stale: run `python -m orchestrator.understanding.train` and commit it"
    )


def test_the_held_out_styles_are_never_trained_on() -> None:
    examples = train.training_examples(train.corpus_folder())
    trained_on = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["trained_on"]
    assert not any(e.heldout for e in examples)
    assert trained_on["utterances"] == len(examples)
    assert not set(trained_on["styles"]) & {e.style for e in examples if e.heldout}


def test_training_is_deterministic() -> None:
    examples = train.training_examples(train.corpus_folder())[::6]
    heads = {"intent": ([e.label for e in examples], train.C_INTENT)}
    first = train.fit([e.text for e in examples], heads)
    second = train.fit([e.text for e in examples], heads)
    assert train.dump(first) == train.dump(second)


def test_exported_weights_give_the_classifier_s_probabilities() -> None:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    from orchestrator.understanding.features import features

    examples = train.training_examples(train.corpus_folder())[::4]
    texts, labels = [e.text for e in examples], [e.label for e in examples]
    artefact = train.fit(texts, {"intent": (labels, train.C_INTENT)})
    artefact["fingerprint"] = ""
    exported = model_from_dict(artefact)
    # the same pipeline, straight in scikit-learn, on the exported vocabulary
    vectorizer = DictVectorizer(sort=False).fit([{f: 1 for f in artefact["vocabulary"]}])
    tfidf = TfidfTransformer(sublinear_tf=True).fit(
        vectorizer.transform([features(t) for t in texts])
    )
    classifier = LogisticRegression(C=train.C_INTENT, max_iter=5000, class_weight="balanced")
    classifier.fit(tfidf.transform(vectorizer.transform([features(t) for t in texts])), labels)
    probe = ["can I move my appointment to friday", "what time do you close", "my knee hurts"]
    expected = classifier.predict_proba(tfidf.transform(vectorizer.transform(
        [features(t) for t in probe]
    )))  # fmt: skip
    for text, row in zip(probe, expected, strict=True):
        got = exported.predict("intent", text).probabilities
        for label, probability in zip(classifier.classes_, row, strict=True):
            assert got[str(label)] == pytest.approx(probability, abs=0.02)


def test_unknown_words_are_not_known() -> None:
    model = load_model()
    assert model.known_words("purple monkey dishwasher") == []
    assert "appointment" in model.known_words("an appointment")
