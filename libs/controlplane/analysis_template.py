"""AnalysisTemplates from ``gitops/analysis/``: found by name, args substituted as Argo does.

    template = find_template(Path("gitops/analysis"), "turn-latency-p95")
    metrics = template.resolve({"canary-hash": "7d9f8c6b5", "interval": "2s"})
    metrics[0].spec.failure_limit, metrics[0].query     # typed limits, the PromQL to run

Substitution follows Argo (``utils/template``, ``utils/analysis/factory.go``): every
``{{args.NAME}}`` anywhere in a metric is replaced by the argument's value (escaped as inside a
JSON string), an argument without a value is an error, and so is a tag that names no argument.
Arguments given here override the template's ``value``; an argument whose value the controller
fills in (``valueFrom``: ``podTemplateHashValue``, ``fieldRef``, ``secretKeyRef``) must be given,
since there is no Rollout or cluster here to read it from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from controlplane.analysis_phase import MetricSpec

_TAG = re.compile(r"\{\{(.*?)\}\}")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class TemplateError(ValueError):
    """A template is missing, malformed, or its arguments do not resolve."""


@dataclass(frozen=True)
class TemplateArg:
    name: str
    value: str | None
    value_from: str  # "" or what fills it in a cluster (e.g. "podTemplateHashValue: Latest")


@dataclass(frozen=True)
class PrometheusMetric:
    """A resolved metric: the core's spec, its PromQL, and the Prometheus address in the file."""

    spec: MetricSpec
    query: str
    address: str


@dataclass(frozen=True)
class AnalysisTemplate:
    name: str
    path: Path
    args: tuple[TemplateArg, ...]
    metrics: tuple[dict[str, Any], ...]
    dry_run: tuple[str, ...]  # metric-name patterns (regular expressions) from spec.dryRun

    def resolve(self, given: Mapping[str, str]) -> list[PrometheusMetric]:
        """The metrics with ``given`` arguments substituted; raises TemplateError."""
        known = {arg.name for arg in self.args}
        unknown = sorted(set(given) - known)
        if unknown:
            raise TemplateError(
                f"{self.name}: no argument {', '.join(unknown)} "
                f"(it takes {', '.join(sorted(known)) or 'none'})"
            )
        values: dict[str, str] = {}
        for arg in self.args:
            if arg.name in given:
                values[arg.name] = given[arg.name]
            elif arg.value is not None:
                values[arg.name] = arg.value
            elif arg.value_from:
                raise TemplateError(
                    f"{self.name}: argument {arg.name!r} comes from {arg.value_from} in a "
                    f"cluster; give it with --arg {arg.name}=VALUE"
                )
            else:
                raise TemplateError(
                    f'{self.name}: argument "{arg.name}" was not supplied (--arg {arg.name}=VALUE)'
                )
        return [self._metric(raw, values) for raw in self.metrics]

    def _metric(self, raw: dict[str, Any], values: Mapping[str, str]) -> PrometheusMetric:
        name = str(raw.get("name", "?"))
        where = f"{self.path}: {self.name}: metric {name!r}"
        text = _substitute(json.dumps(raw), values, where)
        try:
            metric = json.loads(text)
        except json.JSONDecodeError as error:
            raise TemplateError(f"{where}: not valid after substitution ({error})") from error
        provider = metric.get("provider") or {}
        prometheus = provider.get("prometheus")
        if not isinstance(prometheus, dict) or not prometheus.get("query"):
            kinds = ", ".join(sorted(provider)) or "none"
            raise TemplateError(f"{where}: only prometheus metrics run here (provider: {kinds})")
        try:
            spec = MetricSpec(
                name=name,
                success_condition=str(metric.get("successCondition", "")),
                failure_condition=str(metric.get("failureCondition", "")),
                interval=_duration(metric.get("interval"), "interval"),
                initial_delay=_duration(metric.get("initialDelay"), "initialDelay") or 0.0,
                count=_int_or_string(metric.get("count"), "count"),
                failure_limit=_int_or_string(metric.get("failureLimit"), "failureLimit"),
                inconclusive_limit=_int_or_string(
                    metric.get("inconclusiveLimit"), "inconclusiveLimit"
                ),
                consecutive_error_limit=_int_or_string(
                    metric.get("consecutiveErrorLimit"), "consecutiveErrorLimit"
                ),
                consecutive_success_limit=_int_or_string(
                    metric.get("consecutiveSuccessLimit"), "consecutiveSuccessLimit"
                ),
                dry_run=any(re.fullmatch(p, name) for p in self.dry_run),
            )
        except ValueError as error:
            raise TemplateError(f"{where}: {error}") from error
        return PrometheusMetric(spec, str(prometheus["query"]), str(prometheus.get("address", "")))


def _substitute(text: str, values: Mapping[str, str], where: str) -> str:
    def replace(match: re.Match[str]) -> str:
        tag = match.group(1).strip()
        if tag.startswith("args.") and tag[5:] in values:
            # Escaped as inside a JSON string (Argo's ResolveQuotedArgs), so quotes and newlines
            # in a value cannot break the metric apart.
            return json.dumps(values[tag[5:]])[1:-1]
        raise TemplateError(f"{where}: failed to resolve {{{{{match.group(1)}}}}}")

    return _TAG.sub(replace, text)


def _duration(value: object, field: str) -> float | None:
    """Argo's DurationString (Go durations: ``30s``, ``1m30s``, ``500ms``) in seconds."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    parts = list(_DURATION.finditer(text))
    if not parts or "".join(p.group(0) for p in parts) != text:
        raise ValueError(f"{field}: {text!r} is not a duration like 30s, 5m or 1m30s")
    return sum(float(p.group(1)) * _UNITS[p.group(2)] for p in parts)


def _int_or_string(value: object, field: str) -> int | None:
    """Argo's IntOrString: an int, or a string holding one (after substitution)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{field}: {value!r} is not a number")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not a whole number") from None


def load_templates(path: Path) -> Iterator[AnalysisTemplate]:
    """Every AnalysisTemplate / ClusterAnalysisTemplate in a file or under a folder."""
    files = sorted(path.rglob("*.y*ml")) if path.is_dir() else [path]
    for file in files:
        try:
            documents = list(yaml.safe_load_all(file.read_text()))
        except yaml.YAMLError as error:
            raise TemplateError(f"{file}: not YAML ({error})") from error
        for document in documents:
            if not isinstance(document, dict):
                continue
            if document.get("kind") not in ("AnalysisTemplate", "ClusterAnalysisTemplate"):
                continue
            yield _template(document, file)


def _template(document: dict[str, Any], file: Path) -> AnalysisTemplate:
    name = str((document.get("metadata") or {}).get("name", ""))
    spec = document.get("spec") or {}
    args = []
    for raw in spec.get("args") or []:
        value_from = raw.get("valueFrom")
        args.append(
            TemplateArg(
                name=str(raw["name"]),
                value=None if raw.get("value") is None else str(raw["value"]),
                value_from=_describe_value_from(value_from) if value_from else "",
            )
        )
    metrics = spec.get("metrics") or []
    if not metrics:
        raise TemplateError(f"{file}: {name}: no metrics specified")
    names = [str(m.get("name")) for m in metrics]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise TemplateError(f"{file}: {name}: duplicate metric name {', '.join(duplicates)}")
    dry_run = tuple(str(item.get("metricName", "")) for item in spec.get("dryRun") or [])
    return AnalysisTemplate(name, file, tuple(args), tuple(metrics), dry_run)


def _describe_value_from(value_from: dict[str, Any]) -> str:
    if "podTemplateHashValue" in value_from:
        return f"podTemplateHashValue: {value_from['podTemplateHashValue']}"
    if "fieldRef" in value_from:
        return f"fieldRef {value_from['fieldRef'].get('fieldPath', '')}".strip()
    if "secretKeyRef" in value_from:
        return "a Secret"
    return ", ".join(sorted(value_from))


def find_template(path: Path, name: str) -> AnalysisTemplate:
    """The template called ``name`` in a file or under a folder; TemplateError naming the ones
    there are when it is not found."""
    templates = list(load_templates(path))
    for template in templates:
        if template.name == name:
            return template
    names = ", ".join(sorted(t.name for t in templates)) or "none"
    raise TemplateError(f"no AnalysisTemplate {name!r} in {path} (there: {names})")
