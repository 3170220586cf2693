"""``validate(folder)``: render, schema-check, policy-check, evaluate conditions, run promtool."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import ValidationError

from controlplane.gitops._analysis import check_templates
from controlplane.gitops._findings import Finding
from controlplane.gitops._objects import RenderedObject
from controlplane.gitops._policy_cluster import check_charts, check_network, check_secrets
from controlplane.gitops._policy_pods import check_pods
from controlplane.gitops._policy_rollouts import COMPONENT, check_rollouts, component_weights
from controlplane.gitops._promtool import check_rules
from controlplane.gitops._render import Rendering, display, render_all
from controlplane.gitops._schemas import (
    DEFAULT_KUBERNETES_VERSION,
    default_crd_schemas,
    validate_object,
)
from controlplane.slo_spec import Spec, SpecError, load_spec


def relocate(finding: Finding, rendering: Rendering, folder: Path) -> Finding:
    """An unknown field written by a patch or a component is in that file, not in the file the
    object came from: name the file that has the key (the object's own file when it does)."""
    match = _UNKNOWN.match(finding.message)
    if match is None:
        return finding
    key = re.compile(rf"^\s*(-\s+)?{re.escape(match.group(1))}\s*:", re.MULTILINE)
    holders = [p for p in rendering.sources if key.search(p.read_text(errors="replace"))]
    shown = [display(folder, p) for p in holders]
    if not shown or finding.file in shown:
        return finding
    return replace(finding, file=shown[0])


def _holder(rendering: Rendering, key: str, folder: Path) -> str | None:
    """The first source file of a rendering that writes ``key:``."""
    pattern = re.compile(rf"^\s*(-\s+)?{re.escape(key)}\s*:", re.MULTILINE)
    for path in rendering.sources:
        if pattern.search(path.read_text(errors="replace")):
            return display(folder, path)
    return None


_UNKNOWN = re.compile(r"^unknown field '([^']+)'")


@dataclass(frozen=True)
class Report:
    folder: Path
    renderings: list[Rendering]
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def objects(self) -> int:
        return sum(len(r.objects) for r in self.renderings)


def validate(
    folder: Path,
    *,
    promtool: bool = True,
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION,
) -> Report:
    """Every check on ``folder`` (a gitops tree); the findings sorted by file."""
    folder = folder.resolve()
    renderings, findings = render_all(folder)
    crds = default_crd_schemas()
    spec_path = folder / "slo" / "slos.yaml"
    spec_file = display(folder, spec_path)
    spec: Spec | None = None
    if spec_path.is_file():
        try:
            spec = load_spec(spec_path)
        except (SpecError, ValidationError) as error:
            findings.append(
                Finding(spec_file, "", "", f"the SLO spec does not load: {error}", "threshold")
            )
    else:
        findings.append(
            Finding(spec_file, "", "", "no SLO spec: thresholds cannot be checked", "threshold")
        )
    weights = component_weights(folder)
    component_file = display(folder, folder / COMPONENT)
    everything: list[RenderedObject] = []
    for rendering in renderings:
        for obj in rendering.objects:
            findings.extend(
                relocate(f, rendering, folder)
                for f in validate_object(obj, crds, kubernetes_version)
            )
        findings.extend(
            check_rollouts(
                rendering.objects, weights, component_file, _holder(rendering, "setWeight", folder)
            )
        )
        findings.extend(check_pods(rendering.objects))
        findings.extend(check_templates(rendering.objects, spec, spec_file))
        everything.extend(rendering.objects)
    findings.extend(check_network(everything))
    findings.extend(check_secrets(everything))
    findings.extend(check_charts(everything))
    if promtool:
        findings.extend(check_rules(folder))
    return Report(folder, renderings, sorted(set(findings)))
