"""Understanding latency: intent classification, slot extraction and consent per utterance.

    .venv/bin/python tests/benchmarks/bench_understanding.py [--n 2000]

Reads every utterance of tests/corpus/intents (and consent replies) through the committed model
and prints p50/p95/p99 per call, plus the one-off model load time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from clinic import ClinicDirectory
from orchestrator.understanding import corpus
from orchestrator.understanding.consent import classify_consent
from orchestrator.understanding.intents import classify_intent
from orchestrator.understanding.model import MODEL_PATH, read_model
from orchestrator.understanding.slots import extract_slots

ROOT = Path(__file__).resolve().parents[2]


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return f"p50 {at(0.5):.3f} ms  p95 {at(0.95):.3f} ms  p99 {at(0.99):.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    started = time.perf_counter()
    model = read_model(MODEL_PATH)
    print(f"model load: {(time.perf_counter() - started) * 1000:.1f} ms "
          f"({MODEL_PATH.stat().st_size // 1024} KiB)")  # fmt: skip
    texts = [e.text for e in corpus.load(ROOT / "tests/corpus/intents")]
    replies = [e.text for e in corpus.load(ROOT / "tests/corpus/consent", with_slots=False)]
    clinic = ClinicDirectory.from_folder(ROOT / "deploy/local/clinics").get("demo")
    now = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo(clinic.timezone))
    for text in texts[:50]:  # warm-up
        classify_intent(text, model)
    timings: dict[str, list[float]] = {"intent": [], "model only": [], "slots": [], "consent": []}
    for i in range(args.n):
        text = texts[i % len(texts)]
        t0 = time.perf_counter()
        model.predict("intent", text)
        t1 = time.perf_counter()
        classify_intent(text, model)
        t2 = time.perf_counter()
        extract_slots(text, clinic, now, model)
        t3 = time.perf_counter()
        classify_consent(replies[i % len(replies)])
        t4 = time.perf_counter()
        timings["model only"].append(t1 - t0)
        timings["intent"].append(t2 - t1)
        timings["slots"].append(t3 - t2)
        timings["consent"].append(t4 - t3)
    words = statistics.mean(len(t.split()) for t in texts)
    print(f"{args.n} utterances (mean {words:.1f} words):")
    for name, samples in timings.items():
        print(f"  {name:<11}{_percentiles(samples)}")


if __name__ == "__main__":
    main()
