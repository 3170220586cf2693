"""``frontdesk gitops validate [DIR]``, ``install-hook`` and the hook's ``pre-push``."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from servicekit.settings import PROJECT_ROOT


def add_parser(commands: Any) -> None:
    gitops = commands.add_parser("gitops", help="check gitops/ offline; the pre-push hook")
    sub = gitops.add_subparsers(dest="gitops_command", required=True)
    validate = sub.add_parser(
        "validate",
        help="render every overlay, validate every object strictly, check policy, evaluate "
        "analysis conditions, run promtool",
    )
    validate.add_argument("folder", nargs="?", type=Path, default=PROJECT_ROOT / "gitops")
    validate.add_argument("--no-promtool", action="store_true", help="skip promtool")
    validate.add_argument(
        "--kubernetes-version", default=None, help="core schemas' version (default 1.33)"
    )
    hook = sub.add_parser("install-hook", help="install the git pre-push hook (runs validate)")
    hook.add_argument("--force", action="store_true", help="replace another pre-push hook")
    hook.add_argument("--repo", type=Path, default=Path.cwd())
    pre_push = sub.add_parser("pre-push", help="what the hook runs (reads git's lines on stdin)")
    pre_push.add_argument("remote", nargs="?", default="origin")
    pre_push.add_argument("url", nargs="?", default="")


def run(args: argparse.Namespace) -> int:
    if args.gitops_command == "validate":
        return validate_command(
            args.folder, promtool=not args.no_promtool, kubernetes_version=args.kubernetes_version
        )
    if args.gitops_command == "install-hook":
        return install_command(args.repo, force=args.force)
    return pre_push_command(args.remote)


def validate_command(
    folder: Path, *, promtool: bool = True, kubernetes_version: str | None = None
) -> int:
    from controlplane.gitops import KubectlMissing, validate
    from controlplane.gitops._schemas import DEFAULT_KUBERNETES_VERSION

    if not folder.is_dir():
        print(f"frontdesk gitops validate: {folder} is not a folder", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        report = validate(
            folder,
            promtool=promtool,
            kubernetes_version=kubernetes_version or DEFAULT_KUBERNETES_VERSION,
        )
    except KubectlMissing as error:
        print(f"frontdesk gitops validate: {error}", file=sys.stderr)
        return 2
    for finding in report.findings:
        print(finding)
    took = time.monotonic() - started
    summary = (
        f"{len(report.renderings)} kustomizations rendered, {report.objects} objects, "
        f"{len(report.findings)} problems ({took:.1f} s)"
    )
    print(summary if report.findings else f"ok: {summary}", file=sys.stderr)
    return 1 if report.findings else 0


def install_command(repo: Path, *, force: bool) -> int:
    from controlplane.gitops import HookError, install_hook

    try:
        path = install_hook(repo, force=force)
    except HookError as error:
        print(f"frontdesk gitops install-hook: {error}", file=sys.stderr)
        return 1
    print(f"installed {path}: pushes that change gitops/ run `frontdesk gitops validate` first")
    return 0


def pre_push_command(remote: str) -> int:
    from controlplane.gitops import HookError
    from controlplane.gitops._hook import changed_paths, pushed_paths_touch

    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
    ).stdout.strip()
    repo = Path(top or ".")
    try:
        paths = changed_paths(repo, sys.stdin.read().splitlines(), remote)
    except HookError as error:
        print(f"frontdesk pre-push: {error}", file=sys.stderr)
        return 1
    if not pushed_paths_touch(paths):
        return 0
    print("frontdesk pre-push: gitops/ changed, validating", file=sys.stderr)
    status = validate_command(repo / "gitops")
    if status != 0:
        print("push refused: fix the problems above (or push with --no-verify)", file=sys.stderr)
    return status
