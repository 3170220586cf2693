"""Edits to ``gitops/flags/<env>.yaml``, each followed by regenerating the bootstrap file and a
git commit of both, so every flag change has an author, a time and a reason in history.

    set_rollout(folder, "staging", "new_prompt_template", 10)       # -> the commit id
    record_kill(folder, "production", "kill_booking_writes", True, "double bookings")

The file is edited as text, one value on one line, so its comments and layout stay as people
wrote them (a YAML dump would drop the comments); the result is parsed again and must differ from
the original in that one value only, or nothing is written.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from controlplane.flag_spec import (
    FlagFile,
    FlagSpecError,
    bootstrap_path,
    write_bootstrap,
)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _flag_block(lines: list[str], name: str, path: Path) -> tuple[int, int]:
    """[start, end) of the flag's lines (its header excluded) under ``flags:``."""
    header = re.compile(rf"^  {re.escape(name)}:\s*(#.*)?$")
    for index, line in enumerate(lines):
        if header.match(line.rstrip("\n")):
            end = index + 1
            while end < len(lines) and (not _content(lines[end]) or _indent(lines[end]) > 2):
                end += 1
            return index + 1, end
    raise FlagSpecError(f"no flag {name!r} in {path}")


def _replace_value(line: str, value: str) -> str:
    return re.sub(r"^(\s*[\w-]+:\s*)([^#\s]+)", lambda m: m.group(1) + value, line, count=1)


def _edited(text: str, path: Path, name: str, field: str, value: str) -> str:
    lines = text.splitlines(keepends=True)
    start, end = _flag_block(lines, name, path)
    if field == "enabled":
        for index in range(start, end):
            if re.match(r"^    enabled:\s*\S", lines[index]):
                lines[index] = _replace_value(lines[index], value)
                return "".join(lines)
        raise FlagSpecError(f"{name} in {path} has no `enabled:` line")
    # rollout: in the first flexibleRollout strategy
    for index in range(start, end):
        found = re.match(r"^(\s*)- name:\s*flexibleRollout\s*(#.*)?$", lines[index])
        if not found:
            continue
        item_indent = len(found.group(1)) + 2
        stop = index + 1
        while stop < end and (not _content(lines[stop]) or _indent(lines[stop]) >= item_indent):
            if _indent(lines[stop]) == item_indent and re.match(r"^\s*rollout:", lines[stop]):
                lines[stop] = _replace_value(lines[stop], value)
                return "".join(lines)
            stop += 1
        lines.insert(index + 1, " " * item_indent + f"rollout: {value}\n")
        return "".join(lines)
    raise FlagSpecError(f"{name} in {path} has no flexibleRollout strategy to set a percentage on")


def _expected(before: dict[str, Any], name: str, field: str, value: object) -> dict[str, Any]:
    flag = before["flags"][name]
    if field == "enabled":
        flag["enabled"] = value
    else:
        strategy = next(s for s in flag["strategies"] if s["name"] == "flexibleRollout")
        strategy["rollout"] = value
    return before


def edit_flag(path: Path, name: str, field: str, value: bool | int) -> None:
    """Sets ``enabled`` or the first flexibleRollout's ``rollout`` of ``name`` in ``path``."""
    text = path.read_text()
    rendered = ("true" if value else "false") if isinstance(value, bool) else str(value)
    new_text = _edited(text, path, name, field, rendered)
    try:
        before = FlagFile.model_validate(yaml.safe_load(text)).model_dump()
        after = FlagFile.model_validate(yaml.safe_load(new_text)).model_dump()
    except Exception as error:
        raise FlagSpecError(f"{path}: the edit would not leave a valid file ({error})") from error
    if after != _expected(before, name, field, value):
        raise FlagSpecError(f"{path}: could not change only {name}.{field}; edit it by hand")
    path.write_text(new_text)


def commit(folder: Path, paths: list[Path], message: str) -> str:
    """Commits ``paths`` (only those) in the git repository holding ``folder``; the commit id."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=folder, check=True, capture_output=True, text=True
            )
        except subprocess.CalledProcessError as error:
            raise FlagSpecError(f"git {args[0]} failed: {error.stderr.strip()}") from error
        return done.stdout.strip()

    names = [str(p.resolve()) for p in paths]
    git("add", "--", *names)
    git("commit", "--quiet", "-m", message, "--", *names)
    return git("rev-parse", "HEAD")


def _env_file(folder: Path, env: str) -> Path:
    path = folder / f"{env}.yaml"
    if not path.is_file():
        raise FlagSpecError(f"no flags file {path}")
    return path


def set_rollout(folder: Path, env: str, name: str, percent: int, *, do_commit: bool = True) -> str:
    """Sets the rollout percentage of ``name``'s first flexibleRollout strategy in ``env``;
    returns the commit id ("" without ``do_commit``)."""
    if not 0 <= percent <= 100:
        raise FlagSpecError(f"percent must be 0..100, not {percent}")
    path = _env_file(folder, env)
    edit_flag(path, name, "rollout", percent)
    write_bootstrap(folder)
    if not do_commit:
        return ""
    return commit(
        folder, [path, bootstrap_path(folder, env)], f"flags({env}): {name} rollout {percent}%"
    )


def record_kill(
    folder: Path, env: str, name: str, state: bool, reason: str, *, do_commit: bool = True
) -> str:
    """Writes the state a kill left ``name`` in (so the next sync keeps it) and commits the
    reason; returns the commit id."""
    if not reason.strip():
        raise FlagSpecError("a kill needs a reason (--reason)")
    path = _env_file(folder, env)
    edit_flag(path, name, "enabled", state)
    write_bootstrap(folder)
    if not do_commit:
        return ""
    action = "switched on" if state else "switched off"
    return commit(
        folder,
        [path, bootstrap_path(folder, env)],
        f"flags({env}): kill {name} ({action})\n\nReason: {reason.strip()}",
    )
