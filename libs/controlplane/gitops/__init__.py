"""``frontdesk gitops validate``: the gitops tree checked offline before it can land.

    report = validate(Path("gitops"))
    for finding in report.findings:        # file, object (Kind/name), field path, message
        print(finding)
    report.ok

What it checks (one module each):

- ``_render``: every kustomization root renders with ``kubectl kustomize``; each object keeps
  the file it came from;
- ``_schemas``: every object validates strictly (core kinds: kubernetes-validate; Argo Rollouts,
  Argo CD, ExternalSecret: their schemas with unknown fields rejected);
- ``_policy_rollouts``: the canary component's steps, analysis after each weight, background
  analysis, templates rendered alongside;
- ``_policy_pods``: no ``:latest``, production images by digest, cpu and memory limits,
  non-root, read-only root filesystem, no privilege escalation, no plaintext secret env;
- ``_policy_cluster``: default-deny NetworkPolicy per namespace, no plaintext Secret, Helm
  charts pinned;
- ``_analysis``: every condition evaluated (``controlplane.argoexpr``) on ``[]``, ``[NaN]`` and
  either side of its SLO's threshold from ``slo/slos.yaml``;
- ``_promtool``: ``promtool check rules`` and ``promtool test rules``;
- ``_hook``: the git pre-push hook.
"""

from __future__ import annotations

from controlplane.gitops._findings import Finding
from controlplane.gitops._hook import HookError, install_hook, pushed_paths_touch
from controlplane.gitops._render import KubectlMissing
from controlplane.gitops._validate import Report, validate

__all__ = [
    "Finding",
    "HookError",
    "KubectlMissing",
    "Report",
    "install_hook",
    "pushed_paths_touch",
    "validate",
]
