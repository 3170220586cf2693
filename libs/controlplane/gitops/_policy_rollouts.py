"""Rollout policy: the canary component's steps, analysis after every weight, templates present.

The expected weights are read from ``components/canary`` (every ``setWeight`` in its files, in
order), so the component stays the one place they are written; a Rollout whose steps do not
carry them did not include the component.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from controlplane.gitops._findings import Finding, field_path
from controlplane.gitops._objects import RenderedObject

COMPONENT = Path("components") / "canary"
TEMPLATE_KINDS = ("AnalysisTemplate", "ClusterAnalysisTemplate")


def component_weights(root: Path) -> list[int] | None:
    """The canary component's weights, in order; None when there is no component."""
    folder = root / COMPONENT
    if not folder.is_dir():
        return None
    weights: list[int] = []
    for path in sorted(folder.glob("*.y*ml")):
        if path.name.startswith("kustomization"):
            continue
        for document in yaml.safe_load_all(path.read_text()):
            weights.extend(_weights(document))
    return weights


def _weights(node: Any) -> Iterator[int]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "setWeight" and isinstance(value, int):
                yield value
            else:
                yield from _weights(value)
    elif isinstance(node, list):
        for item in node:
            yield from _weights(item)


def check_rollouts(
    objects: Iterable[RenderedObject],
    expected: list[int] | None,
    component_file: str,
    steps_file: str | None = None,
) -> list[Finding]:
    """``steps_file``: the file that writes the canary steps (the component's patch), named in
    findings about steps; the Rollout's own file otherwise."""
    objects = list(objects)
    findings: list[Finding] = []
    if expected is None:
        findings.append(
            Finding(component_file, "", "", "no canary component (components/canary)", "policy")
        )
    for obj in objects:
        if obj.kind == "Rollout":
            findings.extend(_check_rollout(obj, objects, expected, component_file, steps_file))
    return findings


def _check_rollout(
    obj: RenderedObject,
    rendered_with: list[RenderedObject],
    expected: list[int] | None,
    component_file: str,
    steps_file: str | None,
) -> Iterator[Finding]:
    from_component = False  # set once the steps are known to be the component's

    def finding(path: list[str | int], message: str) -> Finding:
        # Steps the component wrote are fixed in the component's file, not the Rollout's.
        file = steps_file if from_component and steps_file else obj.file
        return Finding(file, obj.ref, field_path(path), message, "policy")

    strategy = (obj.manifest.get("spec") or {}).get("strategy") or {}
    canary = strategy.get("canary") if isinstance(strategy, dict) else None
    base = ["spec", "strategy", "canary"]
    if not isinstance(canary, dict):
        yield finding(
            ["spec", "strategy"],
            f"not a canary Rollout: include the canary component ({component_file})",
        )
        return
    steps = canary.get("steps") or []
    weights = [s["setWeight"] for s in steps if isinstance(s, dict) and "setWeight" in s]
    from_component = expected is not None and weights == expected
    if expected is not None and weights != expected:
        yield finding(
            [*base, "steps"],
            f"weights {weights} are not the canary component's {expected}: the Rollout does "
            f"not include {component_file} (add it under `components:` in the overlay)",
        )
    for index, step in enumerate(steps):
        if not (isinstance(step, dict) and "setWeight" in step):
            continue
        following = []
        for later in steps[index + 1 :]:
            if isinstance(later, dict) and "setWeight" in later:
                break
            following.append(later)
        if not any(isinstance(s, dict) and _templates(s.get("analysis")) for s in following):
            yield finding(
                [*base, "steps", index],
                f"setWeight {step['setWeight']} is not followed by an analysis step before "
                "the next weight",
            )
    if not _templates(canary.get("analysis")):
        yield finding([*base, "analysis"], "no background analysis (analysis.templates)")
    available = {o.name: o for o in rendered_with if o.kind == "AnalysisTemplate"}
    cluster = {o.name: o for o in rendered_with if o.kind == "ClusterAnalysisTemplate"}
    references: list[tuple[list[str | int], dict[str, Any]]] = []
    if isinstance(canary.get("analysis"), dict):
        references.append(([*base, "analysis"], canary["analysis"]))
    for index, step in enumerate(steps):
        if isinstance(step, dict) and isinstance(step.get("analysis"), dict):
            references.append(([*base, "steps", index, "analysis"], step["analysis"]))
    for path, analysis in references:
        supplied = {a.get("name") for a in analysis.get("args") or [] if isinstance(a, dict)}
        for t_index, template in enumerate(analysis.get("templates") or []):
            if not isinstance(template, dict):
                continue
            name = template.get("templateName")
            scope = cluster if template.get("clusterScope") else available
            if name and name not in scope:
                kind = TEMPLATE_KINDS[1] if template.get("clusterScope") else TEMPLATE_KINDS[0]
                yield finding(
                    [*path, "templates", t_index, "templateName"],
                    f"{kind} {name!r} is not rendered with this Rollout",
                )
            elif name:
                for arg in _required_args(scope[name]):
                    if arg not in supplied:
                        yield finding(
                            [*path, "args"],
                            f"template {name!r} needs the argument {arg!r}, which is not "
                            "passed (Argo fails the analysis run)",
                        )


def _required_args(template: RenderedObject) -> list[str]:
    """The template's arguments with neither a value nor a valueFrom."""
    args = (template.manifest.get("spec") or {}).get("args") or []
    return [
        str(a["name"])
        for a in args
        if isinstance(a, dict) and "name" in a and "value" not in a and "valueFrom" not in a
    ]


def _templates(analysis: Any) -> bool:
    return isinstance(analysis, dict) and bool(analysis.get("templates"))
