"""``frontdesk flags``: feature flags as code (``gitops/flags/<env>.yaml``) and Unleash.

    frontdesk flags sync --unleash URL --token T [--env staging] [--dry-run]
    frontdesk flags set NAME --percent P --env E          edit the file, regenerate, commit
    frontdesk flags kill NAME --env E --reason R [--unleash URL --token T]
    frontdesk flags status --unleash URL --token T [--env staging]
    frontdesk flags generate [--check]                    bootstrap files from the YAML

Argument parsing and printing only; the work is in :mod:`controlplane.flag_spec`,
:mod:`controlplane.flag_sync` and :mod:`controlplane.flag_edit`. ``--unleash`` and ``--token``
default to ``UNLEASH_URL`` and ``UNLEASH_ADMIN_TOKEN`` (an admin API token).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from servicekit.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from controlplane.flag_sync import UnleashAdmin

DEFAULT_DIR = PROJECT_ROOT / "gitops" / "flags"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    flags = commands.add_parser("flags", help="feature flags: sync, set, kill, status, generate")
    sub = flags.add_subparsers(dest="flags_command", required=True)

    def common(parser: argparse.ArgumentParser, *, server: bool, env: bool = True) -> None:
        parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="gitops/flags folder")
        if env:
            parser.add_argument("--env", default="staging", help="<env>.yaml (default: staging)")
        if server:
            parser.add_argument("--unleash", default=os.environ.get("UNLEASH_URL", ""))
            parser.add_argument("--token", default=os.environ.get("UNLEASH_ADMIN_TOKEN", ""))

    sync = sub.add_parser("sync", help="apply <env>.yaml to Unleash (shows the diff)")
    common(sync, server=True)
    sync.add_argument("--dry-run", action="store_true", help="show the diff, change nothing")

    set_ = sub.add_parser("set", help="set a flag's rollout percentage in <env>.yaml and commit")
    set_.add_argument("name")
    set_.add_argument("--percent", type=int, required=True)
    common(set_, server=False)

    kill = sub.add_parser(
        "kill", help="emergency: switch a flag to its safe state in Unleash now, then commit"
    )
    kill.add_argument("name")
    kill.add_argument("--reason", required=True)
    common(kill, server=True)

    status = sub.add_parser("status", help="each flag in <env>.yaml beside its live state")
    common(status, server=True)

    generate = sub.add_parser("generate", help="write bootstrap/<env>.json from every <env>.yaml")
    generate.add_argument("--check", action="store_true", help="fail when a file is stale")
    common(generate, server=False, env=False)


def run(args: argparse.Namespace) -> int:
    from controlplane.flag_spec import FlagSpecError
    from controlplane.flag_sync import UnleashAdminError

    try:
        handler = {
            "sync": _sync,
            "set": _set,
            "kill": _kill,
            "status": _status,
            "generate": _generate,
        }[args.flags_command]
        return handler(args)
    except (FlagSpecError, UnleashAdminError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _admin(args: argparse.Namespace) -> UnleashAdmin:
    from controlplane.flag_sync import UnleashAdmin

    if not args.unleash or not args.token:
        raise SystemExit("error: --unleash URL and --token T (an admin API token) are needed")
    return UnleashAdmin(args.unleash, args.token)


def _sync(args: argparse.Namespace) -> int:
    from controlplane.flag_spec import spec_for
    from controlplane.flag_sync import sync

    spec = spec_for(args.dir, args.env)
    with _admin(args) as admin:
        result = sync(admin, spec, dry_run=args.dry_run)
    where = f"{spec.path.name} -> Unleash {spec.project}/{spec.environment}"
    if result.empty:
        print(f"{where}: no changes")
    else:
        verb = "would apply" if args.dry_run else "applied"
        print(f"{where}: {verb} {len(result.changes)} change(s)")
        for change in result.changes:
            print(f"  {change}")
    for name in result.unmanaged:
        print(f"  note: {name} is on the server but not in {spec.path.name} (left alone)")
    return 0


def _set(args: argparse.Namespace) -> int:
    from controlplane.flag_edit import set_rollout

    commit = set_rollout(args.dir, args.env, args.name, args.percent)
    print(f"{args.name}: rollout {args.percent}% in {args.env}.yaml, commit {commit[:12]}")
    print(f"apply it: frontdesk flags sync --env {args.env} --unleash URL --token T")
    return 0


def _kill(args: argparse.Namespace) -> int:
    from controlplane.flag_edit import record_kill
    from controlplane.flag_spec import FlagSpecError, spec_for
    from controlplane.flag_sync import kill

    spec = spec_for(args.dir, args.env)
    if not args.reason.strip():
        raise FlagSpecError("a kill needs a reason (--reason)")
    with _admin(args) as admin:
        state = kill(admin, spec, args.name)  # first: the server, at once
    action = "switched on" if state else "switched off"
    print(f"{args.name} {action} in Unleash {spec.project}/{spec.environment}")
    commit = record_kill(args.dir, args.env, args.name, state, args.reason)
    print(f"recorded in {args.env}.yaml, commit {commit[:12]}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from datetime import date

    from controlplane.flag_spec import spec_for
    from controlplane.flag_sync import status

    spec = spec_for(args.dir, args.env)
    with _admin(args) as admin:
        rows = status(admin, spec)

    def onoff(value: bool | None) -> str:
        return "absent" if value is None else ("on" if value else "off")

    print(f"{spec.path.name} beside Unleash {spec.project}/{spec.environment}")
    header = ("flag", "file", "live", "sync", "owner", "expires", "file strategies | live")
    print("  ".join(f"{h:<22}" if i == 0 else f"{h:<8}" for i, h in enumerate(header)))
    today = date.today().isoformat()
    drift = 0
    for row in rows:
        expired = row.expires != "never" and row.expires < today
        drift += not row.in_sync
        cells = (
            row.name,
            onoff(row.file_enabled),
            onoff(row.live_enabled),
            "ok" if row.in_sync else "DRIFT",
            row.owner,
            row.expires + (" EXPIRED" if expired else ""),
            f"{row.file_strategies} | {row.live_strategies}",
        )
        print("  ".join(f"{c:<22}" if i == 0 else f"{c:<8}" for i, c in enumerate(cells)))
    return 1 if drift else 0


def _generate(args: argparse.Namespace) -> int:
    from controlplane.flag_spec import check_bootstrap, write_bootstrap

    if args.check:
        problems = check_bootstrap(args.dir)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for path in write_bootstrap(args.dir):
        print(f"wrote {path}")
    return 0
