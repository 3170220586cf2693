"""Namespace and secret policy: a default-deny NetworkPolicy in every namespace that runs pods,
no plaintext Secret, Helm charts in Argo CD Applications pinned to a version."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from controlplane.gitops._findings import Finding
from controlplane.gitops._objects import RenderedObject

_EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")


def is_default_deny(obj: RenderedObject) -> bool:
    if obj.kind != "NetworkPolicy":
        return False
    spec: dict[str, Any] = obj.manifest.get("spec") or {}
    selector = spec.get("podSelector")
    selects_all = isinstance(selector, dict) and not any(selector.values())
    types = set(spec.get("policyTypes") or [])
    return (
        selects_all
        and {"Ingress", "Egress"} <= types
        and not spec.get("ingress")
        and not (spec.get("egress"))
    )


def _namespace(obj: RenderedObject) -> str:
    return obj.namespace or f"(no namespace: {obj.root})"


def check_network(objects: Iterable[RenderedObject]) -> list[Finding]:
    objects = list(objects)
    denied = {_namespace(o) for o in objects if is_default_deny(o)}
    findings: list[Finding] = []
    reported: set[str] = set()
    for obj in objects:
        namespace = _namespace(obj)
        if obj.pod_spec() is None or namespace in denied or namespace in reported:
            continue
        reported.add(namespace)
        findings.append(
            Finding(
                obj.file,
                obj.ref,
                "metadata.namespace",
                f"namespace {namespace} runs pods but has no default-deny NetworkPolicy "
                "(podSelector: {}, policyTypes: [Ingress, Egress], no rules)",
                "policy",
            )
        )
    return findings


def check_secrets(objects: Iterable[RenderedObject]) -> list[Finding]:
    findings: list[Finding] = []
    for obj in objects:
        if obj.kind == "Secret" and obj.api_version == "v1":
            keys = [k for k in ("data", "stringData") if obj.manifest.get(k)]
            findings.append(
                Finding(
                    obj.file,
                    obj.ref,
                    keys[0] if keys else "",
                    "plaintext Secret in git: keep the value in the secret store and reference "
                    "it with an ExternalSecret",
                    "policy",
                )
            )
    return findings


def check_charts(objects: Iterable[RenderedObject]) -> list[Finding]:
    findings: list[Finding] = []
    for obj in objects:
        if obj.kind != "Application" or not obj.api_version.startswith("argoproj.io/"):
            continue
        spec = obj.manifest.get("spec") or {}
        sources: list[tuple[str, Any]] = []
        if isinstance(spec.get("source"), dict):
            sources.append(("spec.source", spec["source"]))
        for index, source in enumerate(spec.get("sources") or []):
            sources.append((f"spec.sources[{index}]", source))
        for path, source in sources:
            if isinstance(source, dict) and source.get("chart"):
                revision = str(source.get("targetRevision") or "")
                if not _EXACT_VERSION.match(revision):
                    findings.append(
                        Finding(
                            obj.file,
                            obj.ref,
                            f"{path}.targetRevision",
                            f"Helm chart {source['chart']} is not pinned to an exact version "
                            f"({revision or 'none'})",
                            "policy",
                        )
                    )
    return findings
