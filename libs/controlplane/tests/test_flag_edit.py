"""Editing a flags file: one value changes, comments and layout stay, anything else is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from controlplane.flag_edit import edit_flag
from controlplane.flag_spec import FlagSpecError, load_spec

FILE = """\
# Top comment.
unleash: {project: default, environment: development}
flags:
  kill_llm_extra:   # a name that starts like another
    description: d
    type: kill-switch
    owner: o
    enabled: false
    strategies:
      - name: default
  kill_llm:
    description: d   # why it exists
    type: kill-switch
    owner: o
    enabled: false
    strategies:
      - name: default
  canary:
    description: d
    type: release
    owner: o
    expires: 2030-01-01
    enabled: true
    strategies:
      - name: default
      - name: flexibleRollout
        stickiness: sessionId   # sticky per call
        variants:
          - name: b
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "staging.yaml"
    target.write_text(FILE)
    return target


def changed_lines(path: Path) -> list[tuple[str, str]]:
    new = path.read_text().splitlines()
    old = FILE.splitlines()
    if len(new) != len(old):
        return [("<lines>", str(len(new) - len(old)))]
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def test_enabled_of_the_named_flag_only(path: Path) -> None:
    edit_flag(path, "kill_llm", "enabled", True)
    assert changed_lines(path) == [("    enabled: false", "    enabled: true")]
    spec = load_spec(path)
    assert spec.flags["kill_llm"].enabled and not spec.flags["kill_llm_extra"].enabled
    assert "# why it exists" in path.read_text()


def test_rollout_added_to_the_flexible_rollout_strategy(path: Path) -> None:
    edit_flag(path, "canary", "rollout", 30)
    assert changed_lines(path) == [("<lines>", "1")]
    strategies = load_spec(path).flags["canary"].strategies
    assert strategies[1].rollout == 30 and strategies[1].variants[0].name == "b"
    edit_flag(path, "canary", "rollout", 40)  # now there is a line: it is replaced
    assert load_spec(path).flags["canary"].strategies[1].rollout == 40
    assert "# sticky per call" in path.read_text()


def test_refusals_leave_the_file_alone(path: Path) -> None:
    with pytest.raises(FlagSpecError, match="no flexibleRollout"):
        edit_flag(path, "kill_llm", "rollout", 10)
    with pytest.raises(FlagSpecError, match="no flag 'nope'"):
        edit_flag(path, "nope", "enabled", True)
    with pytest.raises(FlagSpecError, match="valid file"):
        edit_flag(path, "canary", "rollout", 101)
    assert path.read_text() == FILE
