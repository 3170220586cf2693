"""``promtool check rules`` on ``slo/rules/`` and ``promtool test rules`` on ``slo/tests/``."""

from __future__ import annotations

from pathlib import Path

from controlplane.gitops._findings import Finding
from controlplane.gitops._render import display
from controlplane.prometheus import PrometheusError, promtool


def check_rules(root: Path) -> list[Finding]:
    rules = sorted((root / "slo" / "rules").glob("*.y*ml"))
    tests = sorted((root / "slo" / "tests").rglob("*.test.y*ml"))
    if not rules:
        return []
    findings: list[Finding] = []
    try:
        for path in rules:
            result = promtool("check", "rules", str(path))
            if result.returncode != 0:
                findings.append(
                    _failure(root, path, "promtool check rules", result.stdout, result.stderr)
                )
        for path in tests:
            result = promtool("test", "rules", path.name, cwd=path.parent)
            if result.returncode != 0:
                findings.append(
                    _failure(root, path, "promtool test rules", result.stdout, result.stderr)
                )
    except PrometheusError as error:
        findings.append(Finding(display(root, rules[0]), "", "", str(error), "promtool"))
    return findings


def _failure(root: Path, path: Path, what: str, stdout: str, stderr: str) -> Finding:
    lines = [line.strip() for line in (stderr + "\n" + stdout).splitlines() if line.strip()]
    detail = " | ".join(line for line in lines if "SUCCESS" not in line)[:1500]
    return Finding(display(root, path), "", "", f"{what} failed: {detail}", "promtool")
