"""Span-level scoring (see README: coverage-based recall, overlap-based precision)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ._dataset import Example

# A predictor returns (start, end, entity) triples for a text.
Predictor = Callable[[Example], Sequence[tuple[int, int, str]]]


def _alnum_positions(text: str, start: int, end: int) -> list[int]:
    return [i for i in range(start, end) if text[i].isalnum()]


@dataclass
class Counts:
    """Running totals for one entity (or overall)."""

    gold: int = 0
    found_typed: int = 0
    found_any: int = 0
    pred: int = 0
    pred_ok_typed: int = 0
    pred_ok_any: int = 0

    def recall(self, typed: bool) -> float:
        return (self.found_typed if typed else self.found_any) / self.gold if self.gold else 1.0

    def precision(self, typed: bool) -> float:
        return (self.pred_ok_typed if typed else self.pred_ok_any) / self.pred if self.pred else 1.0

    def f2(self, typed: bool) -> float:
        p, rc = self.precision(typed), self.recall(typed)
        return 5 * p * rc / (4 * p + rc) if p + rc else 0.0


@dataclass
class Report:
    """Scores and latencies of one predictor on one data set."""

    overall: Counts = field(default_factory=Counts)
    per_entity: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    latencies_ns: list[int] = field(default_factory=list)
    misses: list[tuple[Example, str]] = field(default_factory=list)
    false_positives: list[tuple[Example, str]] = field(default_factory=list)

    def percentile_ms(self, q: float) -> float:
        if not self.latencies_ns:
            return 0.0
        xs = sorted(self.latencies_ns)
        return xs[min(len(xs) - 1, int(q * len(xs)))] / 1e6

    @property
    def per_second(self) -> float:
        total = sum(self.latencies_ns)
        return len(self.latencies_ns) / (total / 1e9) if total else 0.0


def score(examples: Sequence[Example], predict: Predictor, *, keep: int = 50) -> Report:
    """Run ``predict`` on every example (timed with perf_counter_ns) and score its spans.

    * a gold span is *found* (untyped/redaction) when every alphanumeric character
      of it lies inside some predicted span; *typed* when inside spans of its entity;
    * a predicted span is *correct* (untyped) when it overlaps an alphanumeric
      character of any gold span; *typed* when of a gold span of the same entity.
    """
    rep = Report()
    for ex in examples:
        t0 = time.perf_counter_ns()
        preds = list(predict(ex))
        rep.latencies_ns.append(time.perf_counter_ns() - t0)
        text = ex.text
        cover_any: set[int] = set()
        cover_typed: dict[str, set[int]] = defaultdict(set)
        for s, e, ent in preds:
            rng = range(s, e)
            cover_any.update(rng)
            cover_typed[ent].update(rng)
        gold_any: set[int] = set()
        gold_typed: dict[str, set[int]] = defaultdict(set)
        for g in ex.spans:
            pos = _alnum_positions(text, g.start, g.end)
            gold_any.update(pos)
            gold_typed[g.entity].update(pos)
            ok_any = all(p in cover_any for p in pos)
            ok_typed = all(p in cover_typed[g.entity] for p in pos)
            for c in (rep.overall, rep.per_entity[g.entity]):
                c.gold += 1
                c.found_any += ok_any
                c.found_typed += ok_typed
            if not ok_any and len(rep.misses) < keep:
                rep.misses.append((ex, f"{g.entity}:{text[g.start : g.end]!r}"))
        for s, e, ent in preds:
            pos = _alnum_positions(text, s, e)
            ok_any = any(p in gold_any for p in pos)
            ok_typed = any(p in gold_typed[ent] for p in pos)
            for c in (rep.overall, rep.per_entity[ent]):
                c.pred += 1
                c.pred_ok_any += ok_any
                c.pred_ok_typed += ok_typed
            if not ok_any and len(rep.false_positives) < keep:
                rep.false_positives.append((ex, f"{ent}:{text[s:e]!r}"))
    return rep


def format_report(rep: Report, title: str) -> str:
    """A plain-text table: per-entity and overall recall/precision/F2 (typed and untyped)."""
    lines = [
        title,
        f"{'entity':<9}{'gold':>6}{'pred':>6}  {'R(any)':>7}{'R(type)':>8}"
        f"{'P(any)':>8}{'P(type)':>8}{'F2(any)':>8}",
    ]
    rows = [*sorted(rep.per_entity.items()), ("OVERALL", rep.overall)]
    for name, c in rows:
        lines.append(
            f"{name:<9}{c.gold:>6}{c.pred:>6}  {c.recall(False):>7.3f}{c.recall(True):>8.3f}"
            f"{c.precision(False):>8.3f}{c.precision(True):>8.3f}{c.f2(False):>8.3f}"
        )
    lines.append(
        f"latency per utterance: p50 {rep.percentile_ms(0.5):.3f} ms,"
        f" p99 {rep.percentile_ms(0.99):.3f} ms,"
        f" {rep.per_second:,.0f} utterances/s"
    )
    return "\n".join(lines)
