"""How often the screening question (``safety.screening``) would be asked, per corpus.

    python -m orchestrator.safety.screening_figures

For each red-flag split: its crisis rows the detector misses and how many of those get the
question; how many hard negatives get it. Then routine requests (intent corpus) and replies to
the read-back (consent corpus).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from orchestrator.safety.red_flags import RedFlagDetector, default_detector
from orchestrator.safety.screening import needs_screening
from orchestrator.understanding import corpus


def _figures(root: Path, detector: RedFlagDetector) -> list[str]:
    """How often the question would be asked, per corpus (what ``main`` prints)."""
    red_flags = root / "tests" / "corpus" / "red_flags"
    lines: list[str] = []
    for path in sorted(red_flags.glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        crisis = [r["text"] for r in rows if r["red_flag"] and r.get("category") == "suicidal"]
        missed = [text for text in crisis if detector.find(text) is None]
        negatives = [r["text"] for r in rows if not r["red_flag"]]
        asked_missed = sum(needs_screening(text, detector) for text in missed)
        asked_negatives = sum(needs_screening(text, detector) for text in negatives)
        lines.append(
            f"{path.stem:8} crisis {len(crisis):3}, missed {len(missed):2}, "
            f"of those asked {asked_missed:2}; hard negatives asked "
            f"{asked_negatives}/{len(negatives)}"
        )
    examples = corpus.load(root / "tests" / "corpus" / "intents")
    for heldout in (True, False):
        texts = [e.text for e in examples if e.heldout is heldout]
        asked = sum(needs_screening(text, detector) for text in texts)
        label = "held-out styles" if heldout else "training styles"
        lines.append(f"routine intents ({label}): asked {asked}/{len(texts)}")
    replies = [
        line.split("\t", 1)[1]
        for path in sorted((root / "tests" / "corpus" / "consent").glob("*.tsv"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    asked = sum(needs_screening(text, detector) for text in replies)
    lines.append(f"read-back replies (consent corpus): asked {asked}/{len(replies)}")
    return lines


def main() -> int:
    for line in _figures(corpus.repo_root(), default_detector()):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
