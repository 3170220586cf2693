"""Pod policy: images (no :latest, production pinned by digest), limits, security context,
no secret in a plaintext environment variable."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from controlplane.gitops._findings import Finding, field_path
from controlplane.gitops._objects import RenderedObject

_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_SECRET_NAME = re.compile(
    r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)$", re.IGNORECASE
)
REQUIRED_LIMITS = ("cpu", "memory")


def image_tag(image: str) -> str | None:
    """The tag of ``registry:5000/name:tag@sha256:…`` (None when there is none)."""
    without_digest = image.split("@", 1)[0]
    last = without_digest.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def is_production(obj: RenderedObject) -> bool:
    parts = obj.root.split("/")
    return "production" in parts


def check_pods(objects: Iterable[RenderedObject]) -> list[Finding]:
    findings: list[Finding] = []
    for obj in objects:
        found = obj.pod_spec()
        if found is None:
            continue
        _, pod = found
        pod_security = pod.get("securityContext") or {}
        for path, container in obj.containers():
            findings.extend(_check_container(obj, list(path), container, pod_security))
    return findings


def _check_container(
    obj: RenderedObject, path: list[str | int], container: dict[str, Any], pod: dict[str, Any]
) -> Iterator[Finding]:
    def finding(suffix: list[str | int], message: str) -> Finding:
        return Finding(obj.file, obj.ref, field_path([*path, *suffix]), message, "policy")

    image = str(container.get("image") or "")
    tag = image_tag(image)
    digest = bool(_DIGEST.search(image))
    if not image:
        yield finding(["image"], "no image")
    elif tag == "latest":
        yield finding(["image"], f"{image}: the :latest tag is not allowed")
    elif tag is None and not digest:
        yield finding(["image"], f"{image}: no tag (means :latest)")
    if image and is_production(obj) and not digest:
        yield finding(
            ["image"],
            f"{image}: production images are pinned by digest (@sha256:…; rendered by {obj.root})",
        )
    limits = (container.get("resources") or {}).get("limits") or {}
    for resource in REQUIRED_LIMITS:
        if resource not in limits:
            yield finding(["resources", "limits", resource], f"no {resource} limit")
    security = container.get("securityContext") or {}
    non_root = security.get("runAsNonRoot", pod.get("runAsNonRoot"))
    if non_root is not True:
        yield finding(["securityContext", "runAsNonRoot"], "must be true (here or on the pod)")
    if security.get("runAsUser", pod.get("runAsUser")) == 0:
        yield finding(["securityContext", "runAsUser"], "runs as root (uid 0)")
    if security.get("readOnlyRootFilesystem") is not True:
        yield finding(["securityContext", "readOnlyRootFilesystem"], "must be true")
    if security.get("allowPrivilegeEscalation") is not False:
        yield finding(["securityContext", "allowPrivilegeEscalation"], "must be false")
    for index, variable in enumerate(container.get("env") or []):
        if not isinstance(variable, dict):
            continue
        name = str(variable.get("name", ""))
        if _SECRET_NAME.search(name) and variable.get("value"):
            yield finding(
                ["env", index, "value"],
                f"{name} is a secret in plaintext: use valueFrom.secretKeyRef (ExternalSecret)",
            )
