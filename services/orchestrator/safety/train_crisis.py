"""Train the crisis reader (``crisis_model``); write ``crisis_model.json``.

    python -m orchestrator.safety.train_crisis           # retrain, write the artefact
    python -m orchestrator.safety.train_crisis --check   # exit 1 if the artefact is stale

Positives: the ``suicidal`` rows of the red-flag dev split and the crisis rows of
``tests/corpus/crisis_reader/train.jsonl`` (written for the reader, in words of its own: quiet
and passive ideation, plans and means, farewells, self-harm, worried third parties). Negatives:
every other row of those files (other emergencies, look-alike routine talk) and the intent
corpus's development styles. Never the red-flag held-out or blind splits: they measure the
reader. The reader reads ``crisis_features.crisis_view`` of each text; same features and learner
as the intent model (``understanding.train.fit``), deterministic.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orchestrator.safety.crisis_features import crisis_view
from orchestrator.safety.crisis_model import HEAD, LABEL, MODEL_PATH
from orchestrator.understanding import corpus
from orchestrator.understanding.train import dump, fit

C = 10.0
SPLITS = ("dev",)  # the held-out and blind splits measure the reader; never train on them
OTHER = "other"


def _folders(root: Path) -> tuple[Path, Path]:
    return root / "tests" / "corpus" / "red_flags", root / "tests" / "corpus" / "intents"


def _reader_set(root: Path) -> Path:
    return root / "tests" / "corpus" / "crisis_reader" / "train.jsonl"


def training_set(root: Path) -> tuple[list[str], list[str]]:
    red_flags, intents = _folders(root)
    texts: list[str] = []
    labels: list[str] = []
    for split in SPLITS:
        for line in (red_flags / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            texts.append(str(row["text"]))
            crisis = bool(row["red_flag"]) and row.get("category") == "suicidal"
            labels.append(LABEL if crisis else OTHER)
    for line in _reader_set(root).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            texts.append(str(row["text"]))
            labels.append(LABEL if row["crisis"] else OTHER)
    for example in corpus.load(intents):
        if not example.heldout:
            texts.append(example.text)
            labels.append(OTHER)
    return texts, labels


def fingerprint(root: Path) -> str:
    red_flags, intents = _folders(root)
    digest = hashlib.sha256()
    sources = [red_flags / f"{split}.jsonl" for split in SPLITS]
    sources += corpus.training_files(intents)
    sources.append(_reader_set(root))
    here = Path(__file__).parent
    sources += [here / "train_crisis.py", here.parent / "understanding" / "features.py"]
    sources += [here / name for name in ("crisis_features.py", "_lexicon.py", "_text.py")]
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
    return digest.hexdigest()


def train(root: Path) -> dict[str, Any]:
    texts, labels = training_set(root)
    # the original word view: the crisis view does its own lemmas and negation scope
    artefact = fit([crisis_view(text) for text in texts], {HEAD: (labels, C)}, feature_set="v1")
    artefact["fingerprint"] = fingerprint(root)
    artefact["trained_on"] = {"utterances": len(texts), "crisis": labels.count(LABEL)}
    return artefact


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrator.safety.train_crisis")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if the artefact is stale")
    args = parser.parse_args(argv)
    root = corpus.repo_root()
    if args.check:
        committed = json.loads(args.out.read_text(encoding="utf-8")).get("fingerprint")
        if committed != fingerprint(root):
            print(f"{args.out} is stale: run python -m orchestrator.safety.train_crisis")
            return 1
        print(f"{args.out} is current")
        return 0
    artefact = train(root)
    args.out.write_text(dump(artefact), encoding="utf-8")
    print(
        f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB): "
        f"{artefact['trained_on']['utterances']} utterances, "
        f"{artefact['trained_on']['crisis']} crisis"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
