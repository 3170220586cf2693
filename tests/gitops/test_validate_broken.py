"""`frontdesk gitops validate` on broken copies of gitops/: each break is rejected with a message
naming the file, the object (Kind/name) and the field.

Each test copies the project's gitops/, breaks one thing the way a person would (a typo, a
deleted line, a changed number), validates the copy, and looks for the finding the break adds
to those of the unbroken copy (``baseline``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from controlplane.gitops import Finding, validate

# Each test renders and validates a whole copy of gitops/ (seconds to tens of seconds).
pytestmark = pytest.mark.slow


def added(tree: Path, baseline: frozenset[Finding]) -> list[Finding]:
    return sorted(set(validate(tree, promtool=False).findings) - baseline)


def shown(tree: Path, path: Path) -> str:
    return str(Path("gitops") / path.relative_to(tree))


def one_file(tree: Path, pattern: str, where: str = "**/*.yaml") -> Path:
    """The first file (sorted) under ``tree`` whose text matches ``pattern``."""
    for path in sorted(tree.glob(where)):
        if re.search(pattern, path.read_text(), re.MULTILINE):
            return path
    raise AssertionError(f"no file matches {pattern!r} under {tree}/{where}")


def edit(path: Path, pattern: str, replacement: str, count: int = 1) -> None:
    text = path.read_text()
    changed, n = re.subn(pattern, replacement, text, count=count, flags=re.MULTILINE)
    assert n, f"{pattern!r} not in {path}"
    path.write_text(changed)


def matching(findings: list[Finding], *, file: str, obj: str, field: str, message: str) -> Finding:
    for finding in findings:
        if (
            finding.file == file
            and re.fullmatch(obj, finding.obj)
            and re.fullmatch(field, finding.field)
            and re.search(message, finding.message)
        ):
            return finding
    raise AssertionError(
        f"no finding {file} {obj} {field} /{message}/ among:\n"
        + "\n".join(str(f) for f in findings)
    )


def test_gitops_as_committed_has_no_problem(baseline: frozenset[Finding]) -> None:
    assert not baseline, "\n".join(str(f) for f in sorted(baseline))


def test_typo_set_weigth(gitops_copy: Path, baseline: frozenset[Finding]) -> None:
    component = one_file(gitops_copy, r"setWeight:", "components/canary/*.yaml")
    edit(component, r"setWeight: 5\b", "setWeigth: 5")
    finding = matching(
        added(gitops_copy, baseline),
        file=shown(gitops_copy, component),
        obj=r"Rollout/.+",
        field=r"spec\.strategy\.canary\.steps\[\d+\]\.setWeigth",
        message=r"unknown field 'setWeigth' \(did you mean setWeight\?\)",
    )
    assert "[schema]" in str(finding)


def test_typo_sucess_condition(gitops_copy: Path, baseline: frozenset[Finding]) -> None:
    template = one_file(gitops_copy, r"successCondition:", "analysis/*.yaml")
    name = yaml.safe_load(template.read_text())["metadata"]["name"]
    edit(template, r"successCondition:", "sucessCondition:")
    matching(
        added(gitops_copy, baseline),
        file=shown(gitops_copy, template),
        obj=f"AnalysisTemplate/{name}",
        field=r"spec\.metrics\[0\]\.sucessCondition",
        message="unknown field 'sucessCondition'",
    )


def test_missing_analysis_step(gitops_copy: Path, baseline: frozenset[Finding]) -> None:
    component = one_file(gitops_copy, r"setWeight:", "components/canary/*.yaml")
    documents = list(yaml.safe_load_all(component.read_text()))
    steps = documents[0]["spec"]["strategy"]["canary"]["steps"]
    at = next(i for i, s in enumerate(steps) if s.get("setWeight") == 25)
    assert "analysis" in steps[at + 1]
    del steps[at + 1]
    component.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    matching(
        added(gitops_copy, baseline),
        file=shown(gitops_copy, component),
        obj=r"Rollout/.+",
        field=rf"spec\.strategy\.canary\.steps\[{at}\]",
        message="setWeight 25 is not followed by an analysis step",
    )


def test_threshold_differs_from_slo_spec(gitops_copy: Path, baseline: frozenset[Finding]) -> None:
    template = one_file(gitops_copy, r"frontdesk.dev/slo: turn-latency-p95$", "analysis/*.yaml")
    name = yaml.safe_load(template.read_text())["metadata"]["name"]
    # Whatever number the conditions compare with (0.95 of turns, or 0.7 s), nudge it.
    text = template.read_text()
    number = re.search(r"Condition: .*?(\d+\.\d+)", text)
    assert number is not None
    edit(template, rf"(Condition: .*?){re.escape(number.group(1))}", r"\g<1>0.93", count=0)
    matching(
        added(gitops_copy, baseline),
        file=shown(gitops_copy, template),
        obj=f"AnalysisTemplate/{name}",
        field=r"spec\.metrics\[0\]\.(success|failure)Condition",
        message="threshold differs from SLO turn-latency-p95",
    )


def test_unpinned_production_image(gitops_copy: Path, baseline: frozenset[Finding]) -> None:
    overlay = one_file(gitops_copy, r"digest: sha256:", "services/*/overlays/production/*.yaml")
    edit(overlay, r"digest: sha256:[0-9a-f]+", 'newTag: "1.4.2"')
    findings = added(gitops_copy, baseline)
    service_dir = overlay.parent.parent.parent
    rollout = one_file(service_dir, r"^kind: Rollout$", "base/*.yaml")
    matching(
        findings,
        file=shown(gitops_copy, rollout),
        obj=r"Rollout/.+",
        field=r"spec\.template\.spec\.containers\[0\]\.image",
        message=r":1\.4\.2: production images are pinned by digest",
    )


def test_latest_tag(gitops_copy: Path, baseline: frozenset[Finding]) -> None:
    overlay = one_file(gitops_copy, r"^images:", "services/*/overlays/staging/*.yaml")
    edit(overlay, r"(newTag|digest): .+$", "newTag: latest")
    rollout = one_file(overlay.parent.parent.parent, r"^kind: Rollout$", "base/*.yaml")
    matching(
        added(gitops_copy, baseline),
        file=shown(gitops_copy, rollout),
        obj=r"Rollout/.+",
        field=r"spec\.template\.spec\.containers\[0\]\.image",
        message="the :latest tag is not allowed",
    )


def test_plaintext_secret(gitops_copy: Path, baseline: frozenset[Finding]) -> None:
    base = one_file(gitops_copy, r"^resources:", "services/*/base/kustomization.yaml")
    secret = base.parent / "secret.yaml"
    secret.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\n"
        "stringData:\n  NATS_PASSWORD: hunter2\n"
    )
    edit(base, r"^resources:\n", "resources:\n  - secret.yaml\n")
    matching(
        added(gitops_copy, baseline),
        file=shown(gitops_copy, secret),
        obj="Secret/leaked",
        field="stringData",
        message="plaintext Secret",
    )


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("result[0] <= 0.7", r"errors on \[\] .*index out of range"),
        ("result[0] <=", "does not compile"),
        ("len(result) > 0 && result[0] <= 0.7 || isNaN(result[0])", r"passes on \[NaN\]"),
        ("len(result) == 0 || reslt[0] <= 0.7", "does not compile: unknown name reslt"),
    ],
)
def test_invalid_condition(
    gitops_copy: Path, baseline: frozenset[Finding], condition: str, message: str
) -> None:
    template = one_file(gitops_copy, r"frontdesk.dev/slo: turn-latency-p95$", "analysis/*.yaml")
    name = yaml.safe_load(template.read_text())["metadata"]["name"]
    edit(template, r"^(\s+)successCondition: .*$", rf"\g<1>successCondition: '{condition}'")
    edit(template, r"^\s+failureCondition: .*\n", "")
    matching(
        added(gitops_copy, baseline),
        file=shown(gitops_copy, template),
        obj=f"AnalysisTemplate/{name}",
        field=r"spec\.metrics\[0\]\.successCondition",
        message=message,
    )


def test_rollout_without_canary_component(gitops_copy: Path, baseline: frozenset[Finding]) -> None:
    base = one_file(gitops_copy, r"components/canary", "services/*/base/kustomization.yaml")
    edit(base, r"^components:\n(\s+- .*components/canary\n)", "")
    rollout = one_file(base.parent, r"^kind: Rollout$", "*.yaml")
    name = yaml.safe_load(rollout.read_text())["metadata"]["name"]
    matching(
        added(gitops_copy, baseline),
        file=shown(gitops_copy, rollout),
        obj=f"Rollout/{name}",
        field=r"spec\.strategy(\.canary\.steps)?",
        message=r"components/canary",
    )


def test_missing_default_deny(gitops_copy: Path, baseline: frozenset[Finding]) -> None:
    environment = one_file(gitops_copy, r"default-deny", "environments/*/kustomization.yaml")
    edit(environment, r"^\s+- default-deny\.yaml\n", "")
    namespace = yaml.safe_load(environment.read_text())["namespace"]
    findings = added(gitops_copy, baseline)
    hits = [
        f
        for f in findings
        if f.field == "metadata.namespace" and f"namespace {namespace} runs pods" in f.message
    ]
    assert hits, "\n".join(str(f) for f in findings)
    assert hits[0].file.startswith("gitops/services/") and hits[0].obj, hits[0]


def test_writable_root_filesystem(gitops_copy: Path, baseline: frozenset[Finding]) -> None:
    rollout = one_file(gitops_copy, r"readOnlyRootFilesystem: true", "services/*/base/*.yaml")
    edit(rollout, r"readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")
    matching(
        added(gitops_copy, baseline),
        file=shown(gitops_copy, rollout),
        obj=r"Rollout/.+",
        field=r"spec\.template\.spec\.containers\[\d+\]\.securityContext\.readOnlyRootFilesystem",
        message="must be true",
    )


def test_missing_memory_limit(gitops_copy: Path, baseline: frozenset[Finding]) -> None:
    rollout = one_file(gitops_copy, r"limits:\n\s+cpu: .+\n\s+memory:", "services/*/base/*.yaml")
    edit(rollout, r"(limits:\n\s+cpu: .+\n)\s+memory: .+\n", r"\g<1>")
    matching(
        added(gitops_copy, baseline),
        file=shown(gitops_copy, rollout),
        obj=r"Rollout/.+",
        field=r"spec\.template\.spec\.containers\[\d+\]\.resources\.limits\.memory",
        message="no memory limit",
    )


def test_render_failure_names_the_kustomization(
    gitops_copy: Path, baseline: frozenset[Finding]
) -> None:
    base = one_file(gitops_copy, r"^resources:", "services/*/base/kustomization.yaml")
    edit(base, r"^resources:\n", "resources:\n  - missing.yaml\n")
    findings = added(gitops_copy, baseline)
    rendered = [f for f in findings if f.check == "render" and "missing.yaml" in f.message]
    assert rendered, "\n".join(str(f) for f in findings)
    assert "kubectl kustomize failed" in rendered[0].message
    assert rendered[0].file.endswith("kustomization.yaml")
