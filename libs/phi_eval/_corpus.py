"""The hand-written style corpus (``tests/corpus/phi/``) and its token-level scoring.

Unlike :func:`phi_eval.dataset` (templates the engine was tuned on), the corpus is split by
style family, and its held-out families were chosen before any tuning::

    examples = load_corpus("heldout")
    result = evaluate_corpus(phi.Engine(strict=True, allow=corpus_staff()), examples)
    print(format_corpus(result, "held-out"))

Token recall: of the gold tokens (runs of letters/digits inside a gold span), the share whose
every character is redacted. Token precision: of the redacted tokens (any character inside a
predicted span), the share inside a gold span. Whole-identifier recall: the share of gold spans
redacted entirely — the figure that says whether a phone number was published in part.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import phi

from ._dataset import Example, GoldSpan

CORPUS_DIR = Path(__file__).resolve().parents[2] / "tests" / "corpus" / "phi"
_TOKEN = re.compile(r"\w+")


def load_corpus(split: str | None = None, directory: Path = CORPUS_DIR) -> list[Example]:
    """Examples of ``split`` ("dev", "heldout", or None for both); ``template`` is the family."""
    path = directory / "utterances.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run tests/corpus/phi/build.py")
    out: list[Example] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if split is not None and row["split"] != split:
            continue
        spans = tuple(GoldSpan(s["start"], s["end"], s["entity"]) for s in row["spans"])
        out.append(Example(row["text"], spans, row["template"], phi.Known()))
    return out


def corpus_staff(directory: Path = CORPUS_DIR) -> tuple[str, ...]:
    """The clinic's staff names the corpus mentions (configuration: never redacted)."""
    text = (directory / "staff.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


@dataclass
class EntityScore:
    """Token and whole-identifier counts of one entity (or all)."""

    gold_tokens: int = 0
    found_tokens: int = 0
    identifiers: int = 0
    found_identifiers: int = 0
    pred_tokens: int = 0
    correct_pred_tokens: int = 0

    @property
    def token_recall(self) -> float:
        return self.found_tokens / self.gold_tokens if self.gold_tokens else 1.0

    @property
    def token_precision(self) -> float:
        return self.correct_pred_tokens / self.pred_tokens if self.pred_tokens else 1.0

    @property
    def identifier_recall(self) -> float:
        return self.found_identifiers / self.identifiers if self.identifiers else 1.0


@dataclass
class CorpusResult:
    """Scores per entity and overall, latency, and the first misses and false positives."""

    overall: EntityScore = field(default_factory=EntityScore)
    per_entity: dict[str, EntityScore] = field(default_factory=lambda: defaultdict(EntityScore))
    per_family: dict[str, EntityScore] = field(default_factory=lambda: defaultdict(EntityScore))
    latencies_ns: list[int] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)

    def percentile_ms(self, q: float) -> float:
        if not self.latencies_ns:
            return 0.0
        xs = sorted(self.latencies_ns)
        return xs[min(len(xs) - 1, int(q * len(xs)))] / 1e6


def evaluate_corpus(
    engine: phi.Engine, examples: Sequence[Example], *, keep: int = 40
) -> CorpusResult:
    """Redact every example with ``engine`` and score tokens and identifiers."""
    res = CorpusResult()
    for ex in examples:
        t0 = time.perf_counter_ns()
        spans = engine.detect(ex.text)
        res.latencies_ns.append(time.perf_counter_ns() - t0)
        redacted = [False] * len(ex.text)
        pred_entity: list[str | None] = [None] * len(ex.text)
        for s in spans:
            for i in range(s.start, s.end):
                redacted[i] = True
                pred_entity[i] = s.entity.value
        gold = [False] * len(ex.text)
        family = ex.template.rsplit("-", 1)[0]
        for g in ex.spans:
            for i in range(g.start, g.end):
                gold[i] = True
            toks = [m for m in _TOKEN.finditer(ex.text, g.start, g.end)]
            found = [all(redacted[m.start() : m.end()]) for m in toks]
            whole = all(found)
            for score in (res.overall, res.per_entity[g.entity], res.per_family[family]):
                score.gold_tokens += len(toks)
                score.found_tokens += sum(found)
                score.identifiers += 1
                score.found_identifiers += whole
            if not whole and len(res.misses) < keep:
                res.misses.append(f"{g.entity} {ex.text[g.start : g.end]!r} in {ex.text!r}")
        for m in _TOKEN.finditer(ex.text):
            if not any(redacted[m.start() : m.end()]):
                continue
            ok = any(gold[m.start() : m.end()])
            entity = next(e for e in pred_entity[m.start() : m.end()] if e is not None)
            for score in (res.overall, res.per_entity[entity], res.per_family[family]):
                score.pred_tokens += 1
                score.correct_pred_tokens += ok
            if not ok and len(res.false_positives) < keep:
                res.false_positives.append(f"{entity} {m.group(0)!r} in {ex.text!r}")
    return res


def format_corpus(res: CorpusResult, title: str) -> str:
    """Per-entity and per-family table: token recall/precision, whole-identifier recall."""
    head = f"{'':<13}{'ids':>5}{'tokens':>8}  {'tok R':>6}{'tok P':>7}{'id R':>7}"
    lines = [title, head]
    for name, s in [*sorted(res.per_entity.items()), ("OVERALL", res.overall)]:
        lines.append(
            f"{name:<13}{s.identifiers:>5}{s.gold_tokens:>8}  {s.token_recall:>6.3f}"
            f"{s.token_precision:>7.3f}{s.identifier_recall:>7.3f}"
        )
    lines.append("by style family:")
    for name, s in sorted(res.per_family.items()):
        lines.append(
            f"  {name:<11}{s.identifiers:>5}{s.gold_tokens:>8}  {s.token_recall:>6.3f}"
            f"{s.token_precision:>7.3f}{s.identifier_recall:>7.3f}"
        )
    lines.append(
        f"redact latency per utterance: p50 {res.percentile_ms(0.5):.3f} ms,"
        f" p99 {res.percentile_ms(0.99):.3f} ms (n={len(res.latencies_ns)})"
    )
    return "\n".join(lines)
