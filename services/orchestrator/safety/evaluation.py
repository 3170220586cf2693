"""Red-flag evaluation on the labelled corpus (``tests/corpus/red_flags``): pure functions.

``parse_examples(lines)`` reads JSONL rows (see the corpus README); ``evaluate(detector,
examples)`` scores them; ``format_report(result, title)`` prints per-category recall, false
alarms per kind of hard negative, and figures per style. ``python -m orchestrator.safety
<corpus dir>`` (what ``frontdesk eval red_flags`` runs) does both splits.

A red flag counts as caught only when the caller would hear the right script: the crisis
script (988) for ``suicidal``, the medical one (911) for every other category. Whether the
detector also named the labelled category is reported apart ("category agreement"): it
changes the handoff summary, not what the caller hears.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from orchestrator.safety._rules import Category
from orchestrator.safety.red_flags import RedFlag, RedFlagDetector, Script

NEGATIVE_KINDS = frozenset(
    ["idiom", "history", "family_history", "negated", "hypothetical", "habitual", "worried",
     "admin", "ordinary"]
)  # fmt: skip


class CorpusError(ValueError):
    """A corpus row is malformed; the message names the line."""


@dataclass(frozen=True)
class Example:
    text: str
    red_flag: bool
    label: str  # the category of a red flag, the kind of a hard negative
    style: str
    split: str

    @property
    def script(self) -> Script | None:
        if not self.red_flag:
            return None
        return Script.CRISIS if self.label == Category.SUICIDAL else Script.MEDICAL


def parse_examples(lines: Iterable[str], source: str = "corpus") -> list[Example]:
    """JSONL rows -> examples; raises ``CorpusError`` naming the line of a bad row."""
    examples: list[Example] = []
    categories = {c.value for c in Category}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            red_flag = bool(row["red_flag"])
            label = str(row["category"] if red_flag else row["kind"])
            example = Example(str(row["text"]), red_flag, label, str(row["style"]),
                              str(row["split"]))  # fmt: skip
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise CorpusError(f"{source}:{number}: {exc!r}") from exc
        if red_flag and label not in categories:
            raise CorpusError(f"{source}:{number}: unknown category {label!r}")
        if not red_flag and label not in NEGATIVE_KINDS:
            raise CorpusError(f"{source}:{number}: unknown negative kind {label!r}")
        examples.append(example)
    return examples


@dataclass
class Result:
    caught: Counter[str] = field(default_factory=Counter)  # by category
    flags: Counter[str] = field(default_factory=Counter)
    agreed: Counter[str] = field(default_factory=Counter)
    alarms: Counter[str] = field(default_factory=Counter)  # false alarms by negative kind
    negatives: Counter[str] = field(default_factory=Counter)
    style_caught: Counter[str] = field(default_factory=Counter)
    style_flags: Counter[str] = field(default_factory=Counter)
    style_alarms: Counter[str] = field(default_factory=Counter)
    style_negatives: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[Example, RedFlag | None]] = field(default_factory=list)
    false_alarms: list[tuple[Example, RedFlag]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return sum(self.caught.values()) / max(1, sum(self.flags.values()))

    @property
    def false_alarm_rate(self) -> float:
        return sum(self.alarms.values()) / max(1, sum(self.negatives.values()))

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def evaluate(detector: RedFlagDetector, examples: Iterable[Example]) -> Result:
    result = Result()
    for example in examples:
        # The best of three: on a shared machine one timing mostly measures preemption.
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            flag = detector.find(example.text)
            best = min(best, time.perf_counter() - started)
        result.latencies_ms.append(best * 1000)
        if example.red_flag:
            result.flags[example.label] += 1
            result.style_flags[example.style] += 1
            if flag is not None and flag.script is example.script:
                result.caught[example.label] += 1
                result.style_caught[example.style] += 1
                if example.label in flag.categories:
                    result.agreed[example.label] += 1
            else:
                result.misses.append((example, flag))
        else:
            result.negatives[example.label] += 1
            result.style_negatives[example.style] += 1
            if flag is not None:
                result.alarms[example.label] += 1
                result.style_alarms[example.style] += 1
                result.false_alarms.append((example, flag))
    return result


def format_report(result: Result, title: str, *, show_errors: bool = True) -> str:
    lines = [
        title,
        f"  red-flag recall {sum(result.caught.values())}/{sum(result.flags.values())} "
        f"= {result.recall:.1%}; false alarms {sum(result.alarms.values())}/"
        f"{sum(result.negatives.values())} = {result.false_alarm_rate:.1%} of hard negatives; "
        f"latency (best of 3) p50 {result.percentile(0.5):.3f} ms, "
        f"p99 {result.percentile(0.99):.3f} ms",
        "  recall by category (right script; category agreement):",
    ]
    for category in Category:
        total = result.flags[category.value]
        if total:
            caught, agreed = result.caught[category.value], result.agreed[category.value]
            lines.append(f"    {category.value:<14} {caught:>3}/{total:<3} {caught / total:6.1%}"
                         f"   ({agreed}/{total})")  # fmt: skip
    missing = [c.value for c in Category if c is not Category.OTHER and not result.flags[c.value]]
    if missing:
        lines.append(f"    categories absent from this split: {', '.join(missing)}")
    lines.append("  false alarms by kind of hard negative:")
    for kind in sorted(result.negatives):
        total = result.negatives[kind]
        lines.append(f"    {kind:<14} {result.alarms[kind]:>3}/{total:<3}")
    lines.append("  by style (recall; false alarms):")
    for style in sorted(set(result.style_flags) | set(result.style_negatives)):
        lines.append(
            f"    {style:<14} {result.style_caught[style]:>3}/{result.style_flags[style]:<3}"
            f"  {result.style_alarms[style]:>3}/{result.style_negatives[style]:<3}"
        )
    if show_errors:
        for example, flag in result.misses:
            heard = f"{flag.category.value} ({flag.script.value})" if flag else "nothing"
            lines.append(f"  MISSED [{example.label}/{example.style}] {example.text!r}: {heard}")
        for example, flag in result.false_alarms:
            lines.append(
                f"  FALSE ALARM [{example.label}/{example.style}] {example.text!r}: "
                f"{flag.category.value} ({flag.phrase!r})"
            )
    return "\n".join(lines)
