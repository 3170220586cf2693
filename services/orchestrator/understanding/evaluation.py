"""Figures for the intent, slot and consent corpora (``tests/corpus/intents``, ``consent``),
printed by ``frontdesk eval intents consent`` and asserted by the tests.

Every figure is given for the development styles (trained or tuned on: optimistic), for the
held-out styles (never trained on; their overall figure was looked at while tuning, their rows
not) and for the blind sets (``intents/blind_*.tsv``: written before the model first read them,
never trained or tuned on, their misses never fixed: the honest figure for new wording). Slots
are scored on the requests that carry them (book, reschedule): the visit type (or that there is
none), the provider, the day and the part of the day; each utterance is read as if said on
``NOW``.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from clinic import Clinic, ClinicDirectory
from orchestrator.understanding import corpus
from orchestrator.understanding.consent import classify_consent
from orchestrator.understanding.dates import WEEKDAYS
from orchestrator.understanding.intents import INTENTS, classify_intent
from orchestrator.understanding.model import LinearModel, load_model
from orchestrator.understanding.slots import extract_slots

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=ZoneInfo("America/New_York"))  # a Sunday morning
READ_BACK = "Tuesday, December first at 2:30 PM with Dr. Priya Patel, for an annual checkup"
SLOT_NAMES = ("type", "provider", "day", "part")


@dataclass
class ClassScores:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0

    @property
    def support(self) -> int:
        return self.true_positive + self.false_negative


@dataclass
class IntentFigures:
    split: str
    total: int = 0
    correct: int = 0
    per_class: dict[str, ClassScores] = field(default_factory=dict)
    per_style: dict[str, tuple[int, int]] = field(default_factory=dict)  # style -> (right, n)
    slots: dict[str, tuple[int, int]] = field(default_factory=dict)  # slot -> (right, n)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (gold, got, text)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def slot_accuracy(self, name: str) -> float:
        right, n = self.slots.get(name, (0, 0))
        return right / n if n else 1.0


@dataclass
class ConsentFigures:
    split: str
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (gold, got) -> n

    @property
    def total(self) -> int:
        return sum(self.confusion.values())

    @property
    def accuracy(self) -> float:
        right = sum(n for (gold, got), n in self.confusion.items() if gold == got)
        return right / self.total if self.total else 0.0

    def count(self, gold: str, got: str | None = None) -> int:
        return sum(n for (g, o), n in self.confusion.items() if g == gold and got in (None, o))

    @property
    def false_consent(self) -> int:
        """Replies that were not a yes but were read as one: bookings nobody agreed to."""
        return sum(n for (gold, got), n in self.confusion.items() if got == "yes" and gold != "yes")


def corpus_root() -> Path:
    return corpus.repo_root() / "tests" / "corpus"


def demo_clinic() -> Clinic:
    return ClinicDirectory.from_folder(corpus.repo_root() / "deploy/local/clinics").get("demo")


def _expected_day(value: str, today: date) -> set[date]:
    if value == "today":
        return {today}
    if value == "tomorrow":
        return {today + timedelta(days=1)}
    ahead = (WEEKDAYS[value] - today.weekday()) % 7
    return {today + timedelta(days=ahead), today + timedelta(days=ahead or 7)}


def evaluate_intents(
    examples: list[corpus.Example], split: str, clinic: Clinic, model: LinearModel | None = None
) -> IntentFigures:
    model = model or load_model()
    figures = IntentFigures(split, per_class={label: ClassScores() for label in INTENTS})
    today = NOW.date()
    for example in examples:
        got = classify_intent(example.text, model).intent
        figures.total += 1
        right, n = figures.per_style.get(example.style, (0, 0))
        figures.per_style[example.style] = (right + (got == example.label), n + 1)
        if got == example.label:
            figures.correct += 1
            figures.per_class[got].true_positive += 1
        else:
            figures.per_class.setdefault(got, ClassScores()).false_positive += 1
            figures.per_class.setdefault(example.label, ClassScores()).false_negative += 1
            figures.errors.append((example.label, got, example.text))
        if example.label not in ("book", "reschedule"):
            continue
        slots = extract_slots(example.text, clinic, NOW, model)
        preference = slots.preference
        checks: dict[str, bool] = {
            "type": (slots.visit_type.code if slots.visit_type else "none")
            == example.slots.get("type", "none"),
            "provider": (slots.provider or "none") == example.slots.get("provider", "none"),
        }
        if "day" in example.slots:
            got_day = (
                preference.start_after.date()
                if preference
                and preference.start_before is not None
                and preference.start_before - preference.start_after <= timedelta(days=1)
                else None
            )
            checks["day"] = got_day in _expected_day(example.slots["day"], today)
        checks["part"] = (preference.part_of_day if preference else "") == example.slots.get(
            "part", ""
        )
        for name, ok in checks.items():
            right, n = figures.slots.get(name, (0, 0))
            figures.slots[name] = (right + ok, n + 1)
    return figures


def evaluate_consent(examples: list[corpus.Example], split: str) -> ConsentFigures:
    figures = ConsentFigures(split)
    for example in examples:
        got = classify_consent(example.text, READ_BACK).answer
        figures.confusion[(example.label, got)] += 1
    return figures


def intent_figures() -> tuple[IntentFigures, IntentFigures]:
    """(development, held-out) figures for the committed model and the intent corpus."""
    examples = corpus.load(corpus_root() / "intents")
    clinic = demo_clinic()
    model = load_model()
    return (
        evaluate_intents([e for e in examples if not e.heldout], "dev", clinic, model),
        evaluate_intents([e for e in examples if e.heldout], "held-out", clinic, model),
    )


def blind_intent_figures() -> IntentFigures:
    """Figures for the blind intent sets (``intents/blind_*.tsv``) and the committed model."""
    examples = corpus.load(corpus_root() / "intents", blind=True)
    return evaluate_intents(examples, "blind", demo_clinic(), load_model())


def consent_figures() -> tuple[ConsentFigures, ConsentFigures]:
    examples = corpus.load(corpus_root() / "consent", with_slots=False)
    return (
        evaluate_consent([e for e in examples if not e.heldout], "dev"),
        evaluate_consent([e for e in examples if e.heldout], "held-out"),
    )


def format_intents(figures: IntentFigures) -> str:
    lines = [
        f"intents, {figures.split} ({len(figures.per_style)} styles, {figures.total} utterances): "
        f"accuracy {figures.accuracy:.3f}",
        f"  {'intent':<11}{'precision':>10}{'recall':>8}{'n':>6}",
    ]
    for label in INTENTS:
        scores = figures.per_class.get(label, ClassScores())
        lines.append(
            f"  {label:<11}{scores.precision:>10.3f}{scores.recall:>8.3f}{scores.support:>6}"
        )
    styles = ", ".join(
        f"{style} {right / n:.2f}" for style, (right, n) in sorted(figures.per_style.items())
    )
    lines.append(f"  by style: {styles}")
    slot_text = ", ".join(
        f"{name} {figures.slot_accuracy(name):.3f} (n={figures.slots[name][1]})"
        for name in SLOT_NAMES
        if name in figures.slots
    )
    lines.append(f"  slots on book/reschedule requests: {slot_text}")
    return "\n".join(lines)


def format_consent(figures: ConsentFigures) -> str:
    not_yes = figures.count("no") + figures.count("unclear")
    lines = [
        f"consent, {figures.split} ({figures.total} replies to a read-back): accuracy "
        f"{figures.accuracy:.3f}; read as consent without a plain yes: {figures.false_consent} "
        f"of {not_yes}",
        f"  {'said':<9}{'-> yes':>8}{'-> no':>7}{'-> unclear':>12}",
    ]
    for gold in ("yes", "no", "unclear"):
        lines.append(
            f"  {gold:<9}{figures.count(gold, 'yes'):>8}{figures.count(gold, 'no'):>7}"
            f"{figures.count(gold, 'unclear'):>12}"
        )
    return "\n".join(lines)


def intents_section() -> str:
    dev, heldout = intent_figures()
    blind = blind_intent_figures()
    return f"{format_intents(dev)}\n\n{format_intents(heldout)}\n\n{format_intents(blind)}"


def consent_section() -> str:
    dev, heldout = consent_figures()
    return f"{format_consent(dev)}\n\n{format_consent(heldout)}"


def main(argv: list[str]) -> int:
    """``python -m orchestrator.understanding.evaluation [intents] [consent]``."""
    chosen = argv or ["intents", "consent"]
    reports = {"intents": intents_section, "consent": consent_section}
    unknown = [name for name in chosen if name not in reports]
    if unknown:
        print(f"unknown section(s) {unknown}; known: {sorted(reports)}", file=sys.stderr)
        return 2
    print("\n\n".join(reports[name]() for name in chosen))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
