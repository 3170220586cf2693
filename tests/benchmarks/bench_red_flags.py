"""Red-flag detection cost per caller utterance (it runs on every caller turn, in every phase).

    .venv/bin/python tests/benchmarks/bench_red_flags.py [--rounds 20]

Every utterance of tests/corpus/red_flags (all splits) is checked ``--rounds`` times; prints
p50/p95/p99/max per utterance over all checks, the same over each utterance's best round (what
the code costs without the machine's preemption), the CPU time per check, and the longest
utterances' cost.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from orchestrator.safety import default_detector

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "red_flags"


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return (
        f"p50 {at(0.5):.3f} ms  p95 {at(0.95):.3f} ms  p99 {at(0.99):.3f} ms  "
        f"max {ordered[-1]:.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    texts = [
        json.loads(line)["text"]
        for path in sorted(CORPUS.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    started = time.perf_counter()
    detector = default_detector()  # the rules and the crisis reader, as in production
    print(f"compile rules: {(time.perf_counter() - started) * 1000:.1f} ms (once, at start)")
    for text in texts:  # warm-up
        detector.find(text)
    every: list[float] = []
    best: dict[str, float] = {}
    cpu_started = time.process_time()
    for _ in range(args.rounds):
        for text in texts:
            t0 = time.perf_counter()
            detector.find(text)
            elapsed = (time.perf_counter() - t0) * 1000
            every.append(elapsed)
            best[text] = min(best.get(text, float("inf")), elapsed)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / len(every)
    words = statistics.mean(len(t.split()) for t in texts)
    print(f"{len(texts)} utterances (mean {words:.1f} words) x {args.rounds} rounds")
    print(f"every check:           {percentiles(every)}")
    print(f"best round per text:   {percentiles(list(best.values()))}")
    print(f"CPU per check: {cpu_ms:.3f} ms")
    longest = sorted(texts, key=len)[-3:]
    for text in longest:
        print(f"  {best[text]:.3f} ms  ({len(text.split())} words) {text[:60]!r}...")


if __name__ == "__main__":
    main()
