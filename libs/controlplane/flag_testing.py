"""Helpers for tests of flags: a flags file written from a dict, a rollout flag, and
``gitops/flags`` copied into a throwaway git repository (``set`` and ``kill`` commit there).

    spec = write_flags_file(tmp_path, {"my_flag": rollout_flag(5)})
    folder = flags_repository(tmp_path)        # tmp_path/repo/flags, committed
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from controlplane.flag_spec import FlagSpec, load_spec
from servicekit.settings import PROJECT_ROOT

FLAGS_DIR = PROJECT_ROOT / "gitops" / "flags"


def write_flags_file(
    folder: Path, flags: dict[str, Any], env: str = "staging", environment: str = "development"
) -> FlagSpec:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{env}.yaml"
    document = {"unleash": {"project": "default", "environment": environment}, "flags": flags}
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return load_spec(path)


def rollout_flag(
    percent: int, *, clinics: tuple[str, ...] = (), variants: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A release flag, on, with one flexibleRollout strategy sticky on the call id."""
    strategy: dict[str, Any] = {"name": "flexibleRollout", "rollout": percent}
    if clinics:
        strategy["constraints"] = [
            {"contextName": "clinic", "operator": "IN", "values": list(clinics)}
        ]
    if variants:
        strategy["variants"] = [{"name": v} for v in variants]
    return {
        "description": "test rollout",
        "type": "release",
        "owner": "test",
        "expires": "2030-01-01",
        "enabled": True,
        "strategies": [strategy],
    }


def switch_flag(enabled: bool) -> dict[str, Any]:
    """A kill switch with the default strategy."""
    return {
        "description": "test switch",
        "type": "kill-switch",
        "owner": "test",
        "enabled": enabled,
        "strategies": [{"name": "default"}],
    }


def flags_repository(tmp_path: Path) -> Path:
    """``gitops/flags`` committed into a new git repository under ``tmp_path``; its folder."""
    repo = tmp_path / "repo"
    shutil.copytree(FLAGS_DIR, repo / "flags")
    for command in (
        ["init", "-q"],
        ["config", "user.email", "oncall@example.org"],
        ["config", "user.name", "oncall"],
        ["add", "."],
        ["commit", "-qm", "start"],
    ):
        subprocess.run(["git", *command], cwd=repo, check=True)
    return repo / "flags"


def last_commit(folder: Path) -> tuple[str, list[str]]:
    """The last commit's message and the files it changed."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=folder, check=True, capture_output=True, text=True
        )
        return done.stdout

    return git("log", "-1", "--format=%B"), git("show", "--name-only", "--format=", "HEAD").split()
