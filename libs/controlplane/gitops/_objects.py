"""A rendered Kubernetes object with where it came from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

POD_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Rollout": ("spec", "template"),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


@dataclass(frozen=True)
class RenderedObject:
    manifest: dict[str, Any]
    file: str  # the source file (display path), or the kustomization that generated it
    root: str  # the kustomization folder rendered (display path)

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.manifest.get("apiVersion", ""))

    @property
    def name(self) -> str:
        metadata = self.manifest.get("metadata") or {}
        return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""

    @property
    def namespace(self) -> str:
        metadata = self.manifest.get("metadata") or {}
        return str(metadata.get("namespace", "") or "") if isinstance(metadata, dict) else ""

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"

    def pod_spec(self) -> tuple[tuple[str, ...], dict[str, Any]] | None:
        """The pod spec's path and value for kinds that run pods (a Pod: its own spec)."""
        if self.kind == "Pod":
            spec = self.manifest.get("spec")
            return (("spec",), spec) if isinstance(spec, dict) else None
        path = POD_TEMPLATE_PATHS.get(self.kind)
        if path is None:
            return None
        node: Any = self.manifest
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        spec = node.get("spec") if isinstance(node, dict) else None
        return ((*path, "spec"), spec) if isinstance(spec, dict) else None

    def containers(self) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
        """Every container and init container with its field path."""
        found = self.pod_spec()
        if found is None:
            return
        path, spec = found
        for key in ("initContainers", "containers"):
            for index, container in enumerate(spec.get(key) or []):
                if isinstance(container, dict):
                    yield (*path, key, index), container
