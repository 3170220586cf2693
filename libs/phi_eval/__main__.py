"""CLI: ``python -m phi_eval evaluate [--split dev|heldout] [--n N] [--strict/--no-strict]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import phi

from . import PROVIDERS, dataset, format_report, score
from ._dataset import Example


def _predictor(strict: bool, with_known: bool) -> object:
    engine = phi.Engine(strict=strict, allow=PROVIDERS)

    def predict(ex: Example) -> list[tuple[int, int, str]]:
        spans = engine.detect(ex.text, ex.known if with_known else None)
        return [(s.start, s.end, s.entity.value) for s in spans]

    return predict


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m phi_eval")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ev = sub.add_parser("evaluate", help="score the phi engine on synthetic utterances")
    ev.add_argument("--split", choices=("dev", "heldout"), default="heldout")
    ev.add_argument("--n", type=int, default=2000)
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--strict", action=argparse.BooleanOptionalAction, default=True)
    ev.add_argument("--known", action="store_true", help="pass each utterance's Known values")
    ev.add_argument("--show-errors", type=int, default=0, metavar="K", help="print K misses/FPs")
    args = ap.parse_args(argv)
    data = dataset(args.split, args.n, args.seed)
    predict = _predictor(args.strict, args.known)
    for ex in data[:50]:  # warm caches so latency reflects steady state
        predict(ex)  # type: ignore[operator]
    rep = score(data, predict)  # type: ignore[arg-type]
    mode = "strict" if args.strict else "normal"
    print(
        format_report(
            rep, f"phi ({mode}{', known' if args.known else ''}) on {args.split}, n={len(data)}"
        )
    )
    for ex, what in rep.misses[: args.show_errors]:
        print(f"MISS {what} in {ex.template}: {ex.text!r}")
    for ex, what in rep.false_positives[: args.show_errors]:
        print(f"FP   {what} in {ex.template}: {ex.text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
