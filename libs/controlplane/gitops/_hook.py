"""The git pre-push hook: ``frontdesk gitops validate`` before any push that changes gitops/.

``install_hook(repo)`` writes ``pre-push`` into the repository's hooks folder (``git rev-parse
--git-path hooks``, so worktrees and ``core.hooksPath`` are respected). The hook runs
``python -m frontdesk.cli gitops pre-push``, which reads git's ``<local ref> <local sha>
<remote ref> <remote sha>`` lines, lists the files the pushed commits change, and validates
``gitops/`` only when one of them is under it.
"""

from __future__ import annotations

import stat
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

MARKER = "# frontdesk gitops pre-push hook"
ZERO = "0" * 40


class HookError(RuntimeError):
    """The hook cannot be installed (not a git repository, another hook in the way)."""


def hook_script(python: str) -> str:
    return f"""#!/bin/sh
{MARKER} (installed by `frontdesk gitops install-hook`): runs
# `frontdesk gitops validate gitops/` when the pushed commits change gitops/.
top=$(git rev-parse --show-toplevel) || exit 1
if [ -x "$top/.venv/bin/python" ]; then py="$top/.venv/bin/python"; else py="{python}"; fi
exec "$py" -m frontdesk.cli gitops pre-push "$@"
"""


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise HookError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def install_hook(repo: Path, *, force: bool = False, python: str = sys.executable) -> Path:
    """Writes the hook; an existing hook that is not ours is kept unless ``force``."""
    hooks = Path(_git(repo, "rev-parse", "--git-path", "hooks").strip())
    if not hooks.is_absolute():
        hooks = (repo / hooks).resolve()
    hooks.mkdir(parents=True, exist_ok=True)
    path = hooks / "pre-push"
    if path.exists() and MARKER not in path.read_text(errors="replace") and not force:
        raise HookError(f"{path} exists and is not frontdesk's: rerun with --force to replace it")
    path.write_text(hook_script(python))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def changed_paths(repo: Path, lines: Iterable[str], remote: str) -> set[str]:
    """Files the pushed commits change (git's pre-push lines on stdin)."""
    paths: set[str] = set()
    for line in lines:
        parts = line.split()
        if len(parts) != 4:
            continue
        _, local_sha, _, remote_sha = parts
        if local_sha == ZERO:  # a deletion pushes no files
            continue
        if remote_sha == ZERO:  # a new branch: the commits no remote-tracking branch has
            listing = _git(
                repo, "log", "--format=", "--name-only", local_sha, "--not", f"--remotes={remote}"
            )
        else:
            listing = _git(repo, "diff", "--name-only", remote_sha, local_sha)
        paths.update(p for p in listing.splitlines() if p)
    return paths


def pushed_paths_touch(paths: Iterable[str], folder: str = "gitops") -> bool:
    return any(path == folder or path.startswith(folder + "/") for path in paths)
