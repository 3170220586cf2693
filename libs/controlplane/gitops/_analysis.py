"""AnalysisTemplate conditions evaluated as Argo Rollouts would, on fixture results.

For every metric's ``successCondition`` / ``failureCondition`` (``{{args.x}}`` filled from the
template's defaults, else from a Rollout that passes a value):

- it must compile (expr-lang syntax, known names) and stay inside the evaluator's subset;
- on ``[]`` (no series matched: no canary traffic yet) it must not error: Argo would count an
  Error measurement (``result[0]`` on an empty vector), and enough of them fail the rollout
  for a reason nobody wrote down;
- on ``[NaN]`` (0/0: a ratio over no calls) it must not pass, unless the template is annotated
  ``frontdesk.dev/no-data: success`` (no data deliberately counts as success there, as in a
  background analysis that only watches for breaches between steps);
- tied to an SLO of ``slo/slos.yaml`` (the metric or template named after it, or the template
  annotated ``frontdesk.dev/slo: <name>``), just under its threshold it must pass and just over
  it fail — so the threshold in the condition equals the spec's. Which value is compared is
  found by trying each reading the SLO allows: a latency SLO as seconds (``threshold_seconds``),
  as the share of good turns (``objective``) or of bad ones (``1 - objective``); a ratio SLO as
  the good share or the bad share; ``zero`` as a count that must stay 0; ``per_unit`` as the
  value per unit under ``maximum``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from controlplane.argoexpr import (
    ExprError,
    ExprUnsupported,
    Phase,
    assess,
    compile_expression,
)
from controlplane.gitops._findings import Finding, field_path
from controlplane.gitops._objects import RenderedObject
from controlplane.slo_spec import SLO, LatencySLO, PerUnitSLO, RatioSLO, Spec, ZeroSLO

SLO_ANNOTATION = "frontdesk.dev/slo"
# A template may declare that no data (an empty result or NaN) counts as success, deliberately:
# then a condition passing NaN is what its author meant, not a slip.
NO_DATA_ANNOTATION = "frontdesk.dev/no-data"
NO_DATA_PASSES = "success"
CONDITIONS = ("successCondition", "failureCondition")
_ARG = re.compile(r"\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}")
_EPSILON = 1e-6


@dataclass(frozen=True)
class Reading:
    """One way a metric's value relates to its SLO: bad above (``upper``) or below a threshold."""

    bound: str  # "upper" | "lower"
    threshold: float
    means: str  # for messages: "p95 latency in seconds"

    def probes(self) -> tuple[float, float]:
        """(a value that must pass, a value that must fail)."""
        if self.threshold == 0:
            return 0.0, 1e-3
        below, above = self.threshold * (1 - _EPSILON), self.threshold * (1 + _EPSILON)
        return (below, above) if self.bound == "upper" else (above, below)


def readings(slo: SLO) -> list[Reading]:
    if isinstance(slo, LatencySLO):
        return [
            Reading("upper", slo.threshold_seconds, "latency in seconds"),
            Reading("lower", slo.objective, "share of turns under the threshold"),
            Reading("upper", slo.budget, "share of turns over the threshold"),
        ]
    if isinstance(slo, RatioSLO):
        return [
            Reading("lower", slo.objective, "good share"),
            Reading("upper", slo.budget, "bad share"),
        ]
    if isinstance(slo, ZeroSLO):
        return [Reading("upper", 0.0, "count, which must stay 0")]
    assert isinstance(slo, PerUnitSLO)
    return [Reading("upper", slo.maximum, f"value per {slo.unit}")]


def rollout_arg_values(objects: Iterable[RenderedObject]) -> dict[str, dict[str, str]]:
    """Literal arg values Rollouts pass, by template name."""
    values: dict[str, dict[str, str]] = {}
    for obj in objects:
        if obj.kind != "Rollout":
            continue
        canary = ((obj.manifest.get("spec") or {}).get("strategy") or {}).get("canary") or {}
        analyses = [canary.get("analysis")] + [
            s.get("analysis") for s in canary.get("steps") or [] if isinstance(s, dict)
        ]
        for analysis in analyses:
            if not isinstance(analysis, dict):
                continue
            literal = {
                a["name"]: str(a["value"])
                for a in analysis.get("args") or []
                if isinstance(a, dict) and "value" in a and "name" in a
            }
            for template in analysis.get("templates") or []:
                if isinstance(template, dict) and template.get("templateName"):
                    values.setdefault(template["templateName"], {}).update(literal)
    return values


def check_templates(
    objects: Iterable[RenderedObject], spec: Spec | None, spec_file: str
) -> list[Finding]:
    objects = list(objects)
    passed = rollout_arg_values(objects)
    findings: set[Finding] = set()
    for obj in objects:
        if obj.kind in ("AnalysisTemplate", "ClusterAnalysisTemplate"):
            findings.update(_check_template(obj, spec, spec_file, passed.get(obj.name, {})))
    return sorted(findings)


def _check_template(
    obj: RenderedObject, spec: Spec | None, spec_file: str, passed: dict[str, str]
) -> Iterator[Finding]:
    template_spec = obj.manifest.get("spec") or {}
    defaults = {
        a["name"]: str(a["value"])
        for a in template_spec.get("args") or []
        if isinstance(a, dict) and "value" in a and "name" in a
    }
    args = {**passed, **defaults}
    declared = {a.get("name") for a in template_spec.get("args") or [] if isinstance(a, dict)}
    for path, text in _strings(template_spec, ["spec"]):
        for name in _ARG.findall(text):
            if name not in declared:
                yield Finding(
                    obj.file,
                    obj.ref,
                    field_path(path),
                    f"{{{{args.{name}}}}} is not an argument of the template "
                    f"(declared: {', '.join(sorted(str(d) for d in declared)) or 'none'})",
                    "policy",
                )
    annotations = (obj.manifest.get("metadata") or {}).get("annotations") or {}
    for index, metric in enumerate(template_spec.get("metrics") or []):
        if not isinstance(metric, dict):
            continue
        yield from _check_metric(obj, index, metric, args, spec, spec_file, annotations)


def _check_metric(
    obj: RenderedObject,
    index: int,
    metric: dict[str, Any],
    args: dict[str, str],
    spec: Spec | None,
    spec_file: str,
    annotations: dict[str, Any],
) -> Iterator[Finding]:
    base: list[str | int] = ["spec", "metrics", index]

    def finding(field: str, message: str, check: str = "condition") -> Finding:
        path = field_path([*base, field]) if field else field_path(base)
        return Finding(obj.file, obj.ref, path, message, check)

    conditions: dict[str, str] = {}
    for field in CONDITIONS:
        raw = metric.get(field)
        if not raw:
            continue
        expression = str(raw)
        missing = [name for name in _ARG.findall(expression) if name not in args]
        if missing:
            yield finding(field, f"uses {{{{args.{missing[0]}}}}}, which has no value")
            continue
        expression = _ARG.sub(lambda m: args[m.group(1)], expression)
        try:
            compile_expression(expression)
        except ExprError as error:
            yield finding(field, f"{expression!r} does not compile: {error}")
            continue
        except ExprUnsupported as error:
            yield finding(field, f"{expression!r}: outside what the validator evaluates: {error}")
            continue
        conditions[field] = expression
    if len(conditions) != sum(1 for f in CONDITIONS if metric.get(f)):
        return  # a broken condition is reported; fixtures on the rest would only add noise
    if not conditions:
        yield finding("", "no successCondition or failureCondition: every measurement passes")
        return
    success = conditions.get("successCondition", "")
    failure = conditions.get("failureCondition", "")
    field = "successCondition" if success else "failureCondition"

    def phase(result: object) -> tuple[Phase, str]:
        try:
            assessment = assess(result, success=success, failure=failure)
        except ExprUnsupported as error:
            return Phase.ERROR, f"outside what the validator evaluates: {error}"
        if assessment.cause and assessment.cause not in assessment.message:
            return assessment.phase, f"{assessment.cause} (Argo: {assessment.message})"
        return assessment.phase, assessment.message

    empty, why = phase([])
    if empty is Phase.ERROR:
        yield finding(
            field,
            f"errors on [] (no series yet, e.g. no canary traffic): {why}; "
            "guard it, e.g. len(result) == 0 || ...",
        )
    nan, why = phase([math.nan])
    if nan is Phase.SUCCESSFUL and annotations.get(NO_DATA_ANNOTATION) != NO_DATA_PASSES:
        yield finding(
            field,
            "passes on [NaN] (a ratio over no calls): NaN must not pass, unless the template "
            f"says no data counts as success ({NO_DATA_ANNOTATION}: {NO_DATA_PASSES})",
        )
    elif nan is Phase.ERROR:
        yield finding(field, f"errors on [NaN]: {why}")
    slo_name = _slo_name(obj, metric, spec, annotations)
    if spec is None:
        return
    if slo_name is None:
        names = ", ".join(slo.name for slo in spec.slos)
        yield finding(
            "name",
            f"metric {metric.get('name')!r} is tied to no SLO of {spec_file}: name the metric "
            f"or the template after one ({names}) or annotate the template {SLO_ANNOTATION}",
            "threshold",
        )
        return
    try:
        slo = spec.slo(slo_name)
    except KeyError:
        yield finding(
            "", f"{SLO_ANNOTATION}: {slo_name!r} is not an SLO of {spec_file}", "threshold"
        )
        return
    tried: list[str] = []
    for reading in readings(slo):
        good, bad = reading.probes()
        outcome_good = _probe(phase, good)
        outcome_bad = _probe(phase, bad)
        if outcome_good is Phase.SUCCESSFUL and outcome_bad is Phase.FAILED:
            return
        tried.append(
            f"as {reading.means} ({reading.bound} bound {reading.threshold:g}): "
            f"{good:g} -> {outcome_good}, {bad:g} -> {outcome_bad}"
        )
    yield finding(
        field,
        f"threshold differs from SLO {slo.name} in {spec_file}: expected to pass just inside "
        f"and fail just outside its threshold; {'; '.join(tried)}",
        "threshold",
    )


def _strings(node: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, [*path, str(key)])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, [*path, index])


def _probe(phase: Any, value: float) -> Phase:
    """The phase for a one-sample vector, or for a scalar when the condition reads a scalar."""
    vector, _ = phase([value])
    if vector is not Phase.ERROR:
        return vector  # type: ignore[no-any-return]
    scalar, _ = phase(value)
    return scalar  # type: ignore[no-any-return]


def _slo_name(
    obj: RenderedObject, metric: dict[str, Any], spec: Spec | None, annotations: dict[str, Any]
) -> str | None:
    """The SLO a metric checks: the template's ``frontdesk.dev/slo`` annotation (one name, or a
    comma-separated list: the metric's own name when listed, else by position), else the metric
    or template named after an SLO."""
    metric_name = str(metric.get("name", ""))
    annotated = [n.strip() for n in str(annotations.get(SLO_ANNOTATION) or "").split(",")]
    annotated = [n for n in annotated if n]
    if len(annotated) == 1:
        return annotated[0]
    if annotated:
        if metric_name in annotated:
            return metric_name
        metrics = (obj.manifest.get("spec") or {}).get("metrics") or []
        names = [str(m.get("name", "")) for m in metrics if isinstance(m, dict)]
        if len(names) == len(annotated) and metric_name in names:
            return annotated[names.index(metric_name)]
        return ",".join(annotated)  # reported as no such SLO
    if spec is None:
        return None
    known = {slo.name for slo in spec.slos}
    for candidate in (metric_name, obj.name):
        if candidate in known:
            return candidate
    return None
