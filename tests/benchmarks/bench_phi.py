"""``phi.redact`` latency on 40-word utterances (the goal: p99 <= 1 ms on one core).

    .venv/bin/python tests/benchmarks/bench_phi.py [--runs 20000] [--words 40]

Utterances are made of the style corpus (tests/corpus/phi) — accented names, numbers said in
groups with fillers, addresses with towns — joined until each has ``--words`` words. Each is
timed on its own, without ``Known`` and with a ``Known`` of three values, and streamed in
three-word chunks through a ``StreamRedactor``; the figures are per utterance.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable

import phi
from phi_eval import corpus_staff, load_corpus


def utterances(words: int, count: int, seed: int = 0) -> list[str]:
    texts = [ex.text for ex in load_corpus()]
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(count):
        parts: list[str] = []
        while sum(len(p.split()) for p in parts) < words:
            parts.append(rng.choice(texts))
        out.append(" ".join(" ".join(parts).split()[:words]))
    return out


def percentiles(samples_ns: list[int]) -> str:
    xs = sorted(samples_ns)

    def at(q: float) -> float:
        return xs[min(len(xs) - 1, int(q * len(xs)))] / 1e6

    return f"p50 {at(0.5):.3f}  p90 {at(0.9):.3f}  p99 {at(0.99):.3f}  max {xs[-1] / 1e6:.3f} ms"


def timed(call: Callable[[str], object], texts: list[str], runs: int) -> tuple[str, str]:
    """(wall clock, CPU time of this thread) percentiles: on a shared machine the wall clock
    includes time the process was not running at all; the CPU time is the engine's own cost."""
    for text in texts[:200]:  # warm caches (compiled Known matchers, fold tables)
        call(text)
    wall: list[int] = []
    cpu: list[int] = []
    gc.disable()
    try:
        for i in range(runs):
            text = texts[i % len(texts)]
            w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
            call(text)
            cpu.append(time.thread_time_ns() - c0)
            wall.append(time.perf_counter_ns() - w0)
    finally:
        gc.enable()
    return percentiles(wall), percentiles(cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20000)
    ap.add_argument("--words", type=int, default=40)
    args = ap.parse_args()
    engine = phi.Engine(strict=True, allow=corpus_staff())
    texts = utterances(args.words, 1000)
    known = phi.Known.of(names="Zoë Müller", date_of_birth="1954-10-26", phones="843-641-4507")

    def stream(text: str) -> str:
        redactor = engine.stream()
        words = text.split(" ")
        out = [redactor.feed(" ".join(words[i : i + 3]) + " ") for i in range(0, len(words), 3)]
        return "".join(out) + redactor.close()

    print(f"phi.redact, {args.words}-word utterances from the style corpus, {args.runs} runs")
    cases: list[tuple[str, Callable[[str], object], int]] = [
        ("strict", engine.redact, args.runs),
        ("strict + Known", lambda t: engine.redact(t, known), args.runs),
        ("stream, 3-word chunks", stream, args.runs // 4),
    ]
    for name, call, runs in cases:
        wall, cpu = timed(call, texts, runs)
        print(f"  {name:<22} wall {wall}")
        print(f"  {'':<22} cpu  {cpu}")


if __name__ == "__main__":
    main()
