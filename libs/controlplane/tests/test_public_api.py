"""The public names of controlplane.argoexpr and controlplane.gitops (others import them:
`frontdesk rollout analyze` evaluates conditions with argoexpr)."""

from __future__ import annotations

import controlplane.argoexpr as argoexpr
import controlplane.gitops as gitops


def test_argoexpr_api() -> None:
    assert argoexpr.__all__ == [
        "Assessment",
        "ExprError",
        "ExprNameError",
        "ExprRuntimeError",
        "ExprSyntaxError",
        "ExprUnsupported",
        "Phase",
        "assess",
        "compile_expression",
        "condition",
        "evaluate",
    ]
    assert all(hasattr(argoexpr, name) for name in argoexpr.__all__)


def test_gitops_api() -> None:
    assert gitops.__all__ == [
        "Finding",
        "HookError",
        "KubectlMissing",
        "Report",
        "install_hook",
        "pushed_paths_touch",
        "validate",
    ]
    assert all(hasattr(gitops, name) for name in gitops.__all__)
