"""``python -m orchestrator.safety CORPUS_DIR [SPLIT ...]``: the red-flag figures on the
corpus (``dev.jsonl``, ``heldout.jsonl``, ``blind.jsonl`` ... ``blind10.jsonl``); what
``frontdesk eval red_flags`` prints."""

from __future__ import annotations

import sys
from pathlib import Path

from orchestrator.safety.evaluation import evaluate, format_report, parse_examples
from orchestrator.safety.red_flags import default_detector

SPLITS = ("dev", "heldout", "blind", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7",
          "blind8", "blind9", "blind10")  # fmt: skip


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    corpus, splits = (
        Path(argv[0]),
        argv[1:] or [*SPLITS],
    )
    detector = default_detector()
    reports = []
    for split in splits:
        path = corpus / f"{split}.jsonl"
        examples = parse_examples(path.read_text(encoding="utf-8").splitlines(), str(path))
        evaluate(detector, examples[:50])  # warm caches before timing
        reports.append(format_report(evaluate(detector, examples), f"red flags, {split}"))
    print("\n\n".join(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
