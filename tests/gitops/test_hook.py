"""The pre-push hook, installed by one command, in a real git repository pushing to a real
(bare) remote: a push that breaks gitops/ is refused, one that does not touch it goes through."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from controlplane.gitops import HookError, install_hook, pushed_paths_touch
from controlplane.gitops._hook import MARKER
from servicekit.settings import PROJECT_ROOT

# Each test renders and validates a whole copy of gitops/ (seconds to tens of seconds).
pytestmark = pytest.mark.slow


def copy_gitops(destination: Path) -> Path:
    tree = destination / "gitops"
    shutil.copytree(PROJECT_ROOT / "gitops", tree, ignore=shutil.ignore_patterns("BUILD"))
    return tree


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=check
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    git(work, "config", "user.email", "dev@example.com")
    git(work, "config", "user.name", "Dev")
    tree = copy_gitops(work)
    # The generated burn-rate tests take minutes of promtool on a loaded machine; the hand-written
    # one keeps `promtool test rules` in the hook's run.
    shutil.rmtree(tree / "slo" / "tests" / "generated")
    (work / "README.md").write_text("hello\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "start")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "-q", "origin", "main")
    return work


def test_one_command_installs_the_hook(repo: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", "gitops", "install-hook", "--repo", str(repo)],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ,
    )
    assert result.returncode == 0, result.stderr
    hook = repo / ".git" / "hooks" / "pre-push"
    assert MARKER in hook.read_text() and os.access(hook, os.X_OK)
    # someone else's hook is kept unless forced
    hook.write_text("#!/bin/sh\nexit 0\n")
    with pytest.raises(HookError, match="--force"):
        install_hook(repo)
    assert MARKER in install_hook(repo, force=True).read_text()


def test_push_breaking_gitops_is_refused(repo: Path) -> None:
    install_hook(repo)
    component = next((repo / "gitops" / "components" / "canary").glob("canary.yaml"))
    component.write_text(component.read_text().replace("setWeight: 5\n", "setWeigth: 5\n", 1))
    git(repo, "commit", "-q", "-am", "typo")
    push = git(repo, "push", "origin", "main", check=False)
    assert push.returncode != 0
    assert "setWeigth" in push.stderr + push.stdout
    assert "push refused" in push.stderr
    # nothing reached the remote
    assert (
        git(repo, "ls-remote", "origin", "main").stdout.split()[0]
        != git(repo, "rev-parse", "HEAD").stdout.strip()
    )


def test_push_outside_gitops_skips_validation(repo: Path) -> None:
    install_hook(repo)
    (repo / "README.md").write_text("changed\n")
    git(repo, "commit", "-q", "-am", "docs")
    push = git(repo, "push", "origin", "main", check=False)
    assert push.returncode == 0, push.stderr
    assert "validating" not in push.stderr


def test_new_branch_push_validates_its_gitops_commits(repo: Path) -> None:
    install_hook(repo)
    git(repo, "checkout", "-q", "-b", "feature")
    secret = repo / "gitops" / "environments" / "staging" / "leak.yaml"
    secret.write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\ndata:\n  k: aGk=\n")
    kustomization = secret.parent / "kustomization.yaml"
    kustomization.write_text(
        kustomization.read_text().replace("resources:\n", "resources:\n  - leak.yaml\n", 1)
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "leak")
    push = git(repo, "push", "origin", "feature", check=False)
    assert push.returncode != 0
    assert "Secret/leak" in push.stdout + push.stderr


def test_paths_under_gitops() -> None:
    assert pushed_paths_touch(["README.md", "gitops/analysis/x.yaml"])
    assert not pushed_paths_touch(["README.md", "gitopsy/x", "docs/gitops.md"])
    assert PROJECT_ROOT.is_dir()
