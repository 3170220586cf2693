"""``frontdesk rollout``: canary releases driven from git, and canary analysis on demand.

    frontdesk rollout status [--env E] [SERVICE...]
    frontdesk rollout set-image SERVICE TAG --env E      commit a new image to the overlay
    frontdesk rollout promote SERVICE --env E            commit: the canary's image is stable
    frontdesk rollout abort SERVICE --env E [--reason R] commit: back to the stable image
    frontdesk rollout analyze --prometheus URL --template NAME [--template NAME...]
                              [--arg k=v...] [--timeout S]

Argument parsing and printing only; the work is in :mod:`controlplane.rollout_tree` (the gitops
tree, edited and committed) and :mod:`controlplane.analysis_run` (Argo's analysis semantics,
pure core in :mod:`controlplane.analysis_phase`). Exit codes: 0 done / analysis Successful, 1
analysis Failed, Error or Inconclusive, 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from servicekit.settings import PROJECT_ROOT

DEFAULT_GITOPS = PROJECT_ROOT / "gitops"

ANALYZE_NOTES = """\
Runs as Argo Rollouts' analysis controller would: measurements every `interval`, `count` of
them, `initialDelay` first, failureLimit / inconclusiveLimit / consecutiveErrorLimit (default 4)
/ consecutiveSuccessLimit, an Error retried after 10 s, successCondition / failureCondition in
expr-lang, phases Successful, Failed, Inconclusive, Error. Differences: metrics due together are
measured one after another; a metric with an interval and no count runs until --timeout (then
the run is terminated as Argo terminates one: what did not fail is Successful); only Prometheus
metrics, queried at --prometheus whatever address the template names; arguments the controller
fills in a cluster (podTemplateHashValue, fieldRef, secrets) are given with --arg."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rollout = commands.add_parser(
        "rollout", help="canary releases as git commits; canary analysis against a Prometheus"
    )
    sub = rollout.add_subparsers(dest="rollout_command", required=True)

    def tree(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--gitops", type=Path, default=DEFAULT_GITOPS, help="the gitops folder (default: ours)"
        )

    status = sub.add_parser("status", help="each service's image, steps and weight as in git")
    status.add_argument("services", nargs="*", help="services (default: all)")
    status.add_argument("--env", action="append", help="environments (default: all)")
    tree(status)

    set_image = sub.add_parser(
        "set-image", help="commit a new image for a service (the canary starts when synced)"
    )
    set_image.add_argument("service")
    set_image.add_argument(
        "tag", help="a tag, sha256:<digest>, or tag@sha256:<digest> (production: a digest)"
    )
    set_image.add_argument("--env", required=True)
    tree(set_image)

    promote = sub.add_parser(
        "promote", help="commit: the canary's image is the stable one (what abort returns to)"
    )
    promote.add_argument("service")
    promote.add_argument("--env", required=True)
    tree(promote)

    abort = sub.add_parser("abort", help="commit: back to the stable image, canary removed")
    abort.add_argument("service")
    abort.add_argument("--env", required=True)
    abort.add_argument("--reason", default="", help="kept in the commit message")
    tree(abort)

    analyze = sub.add_parser(
        "analyze",
        help="run AnalysisTemplates' metrics against a Prometheus with Argo's semantics",
        description=ANALYZE_NOTES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    analyze.add_argument("--prometheus", required=True, help="Prometheus URL")
    analyze.add_argument(
        "--template", action="append", required=True, help="AnalysisTemplate name (repeatable)"
    )
    analyze.add_argument(
        "--arg", action="append", default=[], metavar="NAME=VALUE", help="a template argument"
    )
    analyze.add_argument(
        "--templates",
        type=Path,
        default=DEFAULT_GITOPS / "analysis",
        help="where the templates are (default: gitops/analysis)",
    )
    analyze.add_argument(
        "--timeout",
        type=float,
        help="seconds after which the run is terminated (needed when a metric has no count)",
    )


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    # sys.stdout looked up per call, not at import (tests capture it; callers may redirect it).
    out = out or sys.stdout
    from controlplane.analysis_template import TemplateError
    from controlplane.rollout_tree import RolloutError

    try:
        if args.rollout_command == "analyze":
            return analyze(
                args.prometheus,
                args.template,
                args.arg,
                templates=args.templates,
                timeout=args.timeout,
                out=out,
            )
        handler = {
            "status": _status,
            "set-image": _set_image,
            "promote": _promote,
            "abort": _abort,
        }[args.rollout_command]
        return handler(args, out)
    except (TemplateError, RolloutError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def parse_args(pairs: Sequence[str]) -> dict[str, str]:
    from controlplane.analysis_template import TemplateError

    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise TemplateError(f"--arg {pair!r}: expected NAME=VALUE")
        values[name.strip()] = value
    return values


def analyze(
    prometheus: str,
    names: Sequence[str],
    pairs: Sequence[str],
    *,
    templates: Path,
    timeout: float | None = None,
    out: TextIO | None = None,
) -> int:
    """Runs the templates' metrics together (one run, as Argo merges a step's templates)."""
    out = out or sys.stdout
    from controlplane.analysis_phase import Phase
    from controlplane.analysis_run import (
        Taken,
        argo_condition,
        prometheus_query,
        run_analysis,
        unsupported_conditions,
    )
    from controlplane.analysis_template import PrometheusMetric, TemplateError, find_template
    from controlplane.prometheus import PrometheusClient

    given = parse_args(pairs)
    found = [find_template(templates, name) for name in names]
    takes = {arg.name for template in found for arg in template.args}
    unknown = sorted(set(given) - takes)
    if unknown:
        raise TemplateError(
            f"no template takes {', '.join(unknown)} (they take {', '.join(sorted(takes))})"
        )
    metrics: list[PrometheusMetric] = []
    for template in found:
        own = {arg.name for arg in template.args}
        metrics.extend(template.resolve({k: v for k, v in given.items() if k in own}))
    names_seen = [m.spec.name for m in metrics]
    clash = sorted({n for n in names_seen if names_seen.count(n) > 1})
    if clash:
        raise TemplateError(f"metric names repeat across the templates: {', '.join(clash)}")
    unsupported = unsupported_conditions(metrics)
    if unsupported:
        raise TemplateError("conditions this evaluator cannot judge: " + "; ".join(unsupported))

    print(f"analysis {' + '.join(names)} against {prometheus}", file=out)
    for metric in metrics:
        spec = metric.spec
        print(
            f"  {spec.name}: every {_seconds(spec.interval)}, count {spec.effective_count or '-'}, "
            f"failureLimit {0 if spec.failure_limit is None else spec.failure_limit}, "
            f"success {spec.success_condition or '-'!r}, failure {spec.failure_condition or '-'!r}"
            + (" (dry run)" if spec.dry_run else ""),
            file=out,
        )
    width = max(len(n) for n in names_seen)

    def show(taken: Taken) -> None:
        measurement = taken.measurement
        line = (
            f"{taken.at:7.1f}s  {taken.metric:<{width}} #{taken.number:<3} "
            f"{measurement.phase.value:<12} {measurement.value}"
        )
        if measurement.message:
            line += f"  ({measurement.message})"
        print(line, file=out, flush=True)

    client = PrometheusClient(prometheus)
    try:
        outcome = run_analysis(
            metrics,
            query=prometheus_query(client),
            evaluate=argo_condition,
            on_measurement=show,
            timeout=timeout,
        )
    finally:
        client.close()
    for name, phase in outcome.status.metrics.items():
        print(f"  {name}: {phase.value}", file=out)
    message = f" ({outcome.status.message})" if outcome.status.message else ""
    print(f"phase: {outcome.phase.value} after {outcome.elapsed:.1f} s{message}", file=out)
    return 0 if outcome.phase is Phase.SUCCESSFUL else 1


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:g}s"


def _status(args: argparse.Namespace, out: TextIO) -> int:
    from controlplane.rollout_tree import GitopsTree

    tree = GitopsTree(args.gitops)
    rows = tree.status(services=args.services or None, envs=args.env or None)
    header = ("SERVICE", "ENV", "IMAGE", "STEPS", "STATE", "CANARY WEIGHT (git)")
    table = [header, *[row.cells() for row in rows]]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for row in table:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip(), file=out)
    return 0


def _set_image(args: argparse.Namespace, out: TextIO) -> int:
    from controlplane.rollout_tree import GitopsTree

    commit = GitopsTree(args.gitops).set_image(args.service, args.env, args.tag)
    print(f"{args.service} ({args.env}): image {args.tag}, commit {commit[:12]}", file=out)
    return 0


def _promote(args: argparse.Namespace, out: TextIO) -> int:
    from controlplane.rollout_tree import GitopsTree

    commit = GitopsTree(args.gitops).promote(args.service, args.env)
    print(f"{args.service} ({args.env}): promoted, stable now, commit {commit[:12]}", file=out)
    return 0


def _abort(args: argparse.Namespace, out: TextIO) -> int:
    from controlplane.rollout_tree import GitopsTree

    commit = GitopsTree(args.gitops).abort(args.service, args.env, reason=args.reason)
    print(f"{args.service} ({args.env}): aborted, back to stable, commit {commit[:12]}", file=out)
    return 0
