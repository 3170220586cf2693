"""The gitops tree as ``frontdesk rollout`` sees it: services, environments, images, canary
steps; each release action written to an overlay and committed, and nothing else.

    tree = GitopsTree(Path("gitops"))
    tree.status()                                          # [StatusRow(...), ...]
    tree.set_image("orchestrator", "staging", "2026.11.30-ab12cd3")   # -> commit id
    tree.promote("orchestrator", "staging")
    tree.abort("orchestrator", "staging", reason="p95 above target")

Layout read: ``services/<svc>/base/kustomization.yaml`` (its ``components:`` lead to the canary
Component, whose patch holds the steps), ``services/<svc>/overlays/<env>/kustomization.yaml``
(edited by :mod:`controlplane.rollout_edit`). Refuses to run when the gitops folder has
uncommitted changes, so a commit holds exactly the release and nothing someone left behind.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from controlplane import rollout_edit
from controlplane.rollout_edit import ImageRef, OverlayState, RolloutError

__all__ = ["GitopsTree", "RolloutError", "StatusRow"]

PRODUCTION = "production"


@dataclass(frozen=True)
class StatusRow:
    service: str
    env: str
    state: OverlayState
    steps: tuple[int, ...]
    analysed: bool  # every weight step is followed by an analysis

    @property
    def phase(self) -> str:
        if self.state.canary_image:
            return "canary"
        if self.state.aborted:
            return "aborted"
        return "stable"

    @property
    def weight(self) -> str:
        """The canary's weight as git states it (Argo Rollouts moves through the steps)."""
        if self.phase == "canary":
            return (
                ">".join(f"{s}%" for s in self.steps) + " as analyses pass"
                if self.steps
                else "100%"
            )
        return "0% (no canary)"

    def cells(self) -> tuple[str, str, str, str, str, str]:
        steps = ",".join(str(s) for s in self.steps) or "none"
        if self.steps and self.analysed:
            steps += " +analysis"
        image = self.state.image
        if self.phase == "canary" and self.state.stable_image:
            image += f" (stable {self.state.stable_image.rsplit('/', 1)[-1]})"
        if self.phase == "aborted":
            image += f" (aborted {self.state.aborted.rsplit('/', 1)[-1]})"
        return self.service, self.env, image, steps, self.phase, self.weight


class GitopsTree:
    def __init__(self, root: Path) -> None:
        self.root = root
        if not (root / "services").is_dir():
            raise RolloutError(f"{root}: no services/ folder (is this the gitops folder?)")

    # --- reading --------------------------------------------------------------------------

    def services(self) -> list[str]:
        return sorted(p.name for p in (self.root / "services").iterdir() if (p / "base").is_dir())

    def envs(self, service: str) -> list[str]:
        overlays = self.root / "services" / service / "overlays"
        return sorted(p.name for p in overlays.iterdir() if (p / "kustomization.yaml").is_file())

    def overlay(self, service: str, env: str) -> Path:
        services = self.services()
        if service not in services:
            raise RolloutError(f"unknown service {service!r} (known: {', '.join(services)})")
        envs = self.envs(service)
        if env not in envs:
            raise RolloutError(
                f"{service} has no overlay {env!r} (environments: {', '.join(envs)})"
            )
        return self.root / "services" / service / "overlays" / env

    def status(
        self, services: Sequence[str] | None = None, envs: Sequence[str] | None = None
    ) -> list[StatusRow]:
        rows = []
        for service in services or self.services():
            for env in envs or self.envs(service):
                folder = self.overlay(service, env)
                state = rollout_edit.read_overlay(
                    (folder / "kustomization.yaml").read_text(), service
                )
                steps, analysed = self._steps(service)
                rows.append(StatusRow(service, env, state, steps, analysed))
        return rows

    def _steps(self, service: str) -> tuple[tuple[int, ...], bool]:
        raw = self._raw_steps(service)
        weights = tuple(int(s["setWeight"]) for s in raw if "setWeight" in s)
        analysed = all(
            i + 1 < len(raw) and "analysis" in raw[i + 1]
            for i, step in enumerate(raw)
            if "setWeight" in step
        )
        return weights, analysed

    def _raw_steps(self, service: str) -> list[dict[str, Any]]:
        base = self.root / "services" / service / "base"
        steps = _rollout_steps(base / "rollout.yaml")
        for component in _kustomization(base).get("components") or []:
            folder = (base / component).resolve()
            for patch in _kustomization(folder).get("patches") or []:
                path = folder / str(patch.get("path", ""))
                if patch.get("path") and path.is_file():
                    found = _rollout_steps(path)
                    if found:
                        steps = found
        return steps

    # --- writing --------------------------------------------------------------------------

    def set_image(self, service: str, env: str, tag: str) -> str:
        folder = self.overlay(service, env)
        ref = ImageRef.parse(tag)
        if env == PRODUCTION and not ref.digest:
            raise RolloutError(
                "production images are pinned by digest: give sha256:<digest> or "
                "tag@sha256:<digest>"
            )
        self._require_clean()
        path = folder / "kustomization.yaml"
        path.write_text(rollout_edit.set_image(path.read_text(), service, ref))
        return self._commit(folder, f"rollout({env}): {service} canary of {tag}")

    def promote(self, service: str, env: str) -> str:
        folder = self.overlay(service, env)
        self._require_clean()
        path = folder / "kustomization.yaml"
        text = rollout_edit.promote(path.read_text(), service)
        path.write_text(text)
        image = rollout_edit.read_overlay(text, service).image
        return self._commit(folder, f"rollout({env}): {service} {image} is stable")

    def abort(self, service: str, env: str, *, reason: str = "") -> str:
        folder = self.overlay(service, env)
        self._require_clean()
        path = folder / "kustomization.yaml"
        before = rollout_edit.read_overlay(path.read_text(), service)
        path.write_text(rollout_edit.abort(path.read_text(), service))
        message = f"rollout({env}): abort {service} canary {before.image}, back to stable"
        if reason.strip():
            message += f"\n\nReason: {reason.strip()}"
        return self._commit(folder, message)

    # --- git ------------------------------------------------------------------------------

    def _git(self, *args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=self.root, check=True, capture_output=True, text=True
            )
        except FileNotFoundError as error:
            raise RolloutError("git is not installed") from error
        except subprocess.CalledProcessError as error:
            raise RolloutError(f"git {args[0]} failed: {error.stderr.strip()}") from error
        return done.stdout.strip()

    def _require_clean(self) -> None:
        dirty = self._git("status", "--porcelain", "--untracked-files=all", "--", ".").splitlines()
        if dirty:
            shown = "; ".join(line.strip() for line in dirty[:5])
            more = f" and {len(dirty) - 5} more" if len(dirty) > 5 else ""
            raise RolloutError(
                f"{self.root} has uncommitted changes ({shown}{more}): commit or stash them "
                "first, so this commit holds the release only"
            )

    def _commit(self, folder: Path, message: str) -> str:
        self._git("add", "--all", "--", str(folder.resolve()))
        self._git("commit", "--quiet", "-m", message, "--", str(folder.resolve()))
        return self._git("rev-parse", "HEAD")


def _kustomization(folder: Path) -> dict[str, Any]:
    path = folder / "kustomization.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text())
    return data if isinstance(data, dict) else {}


def _rollout_steps(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    for document in yaml.safe_load_all(path.read_text()):
        if isinstance(document, dict) and document.get("kind") == "Rollout":
            canary = ((document.get("spec") or {}).get("strategy") or {}).get("canary") or {}
            steps = canary.get("steps")
            if steps:
                return list(steps)
    return []
