"""``frontdesk eval``: every corpus figure the project measures, one section per component.

    frontdesk eval                 # every section
    frontdesk eval phi             # only the named sections
    frontdesk eval intents consent

A section is a function returning its printed report; :func:`sections` lists them by name (each
imports its evaluation kit lazily, so one missing dev dependency only fails its own section).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Section = Callable[[], str]


def phi_section() -> str:
    """PHI redaction on the style corpus (tests/corpus/phi): dev and held-out families."""
    import phi
    from phi_eval import corpus_staff, evaluate_corpus, format_corpus, load_corpus

    engine = phi.Engine(strict=True, allow=corpus_staff())
    parts: list[str] = []
    for split in ("dev", "heldout"):
        examples = load_corpus(split)
        evaluate_corpus(engine, examples[:50])  # warm the engine's caches before timing
        result = evaluate_corpus(engine, examples)
        parts.append(format_corpus(result, f"phi (strict) on the style corpus, {split}"))
    return "\n\n".join(parts)


def _run_module(module: str, *args: str) -> str:
    """The output of ``python -m module args``: services' evaluations run as child processes
    (libs never import services), with the same import path ``frontdesk up`` gives them."""
    import os
    import subprocess
    import sys

    from frontdesk.cli.stack import python_path

    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        env={**os.environ, "PYTHONPATH": python_path(os.environ)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed: {done.stderr.strip()}")
    return done.stdout.rstrip()


def red_flags_section() -> str:
    """Emergency red flags on tests/corpus/red_flags: recall per category (with the right
    script), false alarms per kind of hard negative, per style, for the dev, held-out and the
    blind splits (``python -m orchestrator.safety``)."""
    from servicekit.settings import PROJECT_ROOT

    corpus = PROJECT_ROOT / "tests" / "corpus" / "red_flags"
    splits = (
        "dev",
        "heldout",
        "blind",
        "blind2",
        "blind3",
        "blind4",
        "blind5",
        "blind6",
        "blind7",
        "blind8",
        "blind9",
        "blind10",
    )
    return _run_module("orchestrator.safety", str(corpus), *splits)


def intents_section() -> str:
    """Intents (per-class precision and recall) and slots on tests/corpus/intents: development
    styles, held-out styles and the blind sets (``blind_*.tsv``, the honest figure)
    (``python -m orchestrator.understanding.evaluation intents``)."""
    return _run_module("orchestrator.understanding.evaluation", "intents")


def consent_section() -> str:
    """Consent to a read-back on tests/corpus/consent: how many replies that were not a plain
    yes would have booked, and the confusion table, development and held-out styles."""
    return _run_module("orchestrator.understanding.evaluation", "consent")


def sections() -> dict[str, Section]:
    """Every registered section, in print order."""
    return {
        "intents": intents_section,
        "consent": consent_section,
        "red_flags": red_flags_section,
        "phi": phi_section,
    }


def run(names: Sequence[str] = (), *, available: dict[str, Section] | None = None) -> str:
    """The reports of ``names`` (all sections when empty), each under its own heading."""
    table = sections() if available is None else available
    unknown = [name for name in names if name not in table]
    if unknown:
        raise ValueError(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(table)}")
    chosen = list(names) or list(table)
    return "\n\n".join(f"== {name} ==\n{table[name]()}" for name in chosen)
