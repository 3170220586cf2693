"""``frontdesk flags`` against a real Unleash server: sync creates, updates, and is idempotent;
set and kill edit the file and commit; kill acts on the server at once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from controlplane.flag_spec import load_spec
from controlplane.flag_sync import UnleashAdmin, comparable_strategy, sync
from controlplane.flag_testing import (
    flags_repository,
    last_commit,
    rollout_flag,
    switch_flag,
    write_flags_file,
)
from frontdesk.cli.__main__ import main
from servicekit.localunleash import UnleashServer
from servicekit.settings import PROJECT_ROOT

pytestmark = pytest.mark.postgres


def client_features(server: UnleashServer) -> dict[str, Any]:
    response = httpx.get(
        f"{server.url}/client/features", headers={"Authorization": server.client_token}
    )
    response.raise_for_status()
    return {f["name"]: f for f in response.json()["features"]}


def served_when(
    server: UnleashServer, ready: Callable[[dict[str, Any]], object], timeout: float = 10.0
) -> dict[str, Any]:
    """The client API's features once ``ready`` holds (the server caches them for a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        features = client_features(server)
        try:
            done = bool(ready(features))
        except KeyError:  # the client API still serves its cached list without the flag
            done = False
        if done or time.monotonic() > deadline:
            return features
        time.sleep(0.1)


@pytest.fixture
def admin(unleash_server: UnleashServer) -> Iterator[UnleashAdmin]:
    with UnleashAdmin(unleash_server.url, unleash_server.admin_token) as client:
        yield client


def test_sync_creates_then_changes_nothing_then_updates(
    unleash_server: UnleashServer, admin: UnleashAdmin, tmp_path: Path
) -> None:
    a, b = f"sync_a_{uuid.uuid4().hex[:8]}", f"sync_b_{uuid.uuid4().hex[:8]}"
    flags: dict[str, object] = {
        a: rollout_flag(5, clinics=("x",), variants=("blue", "green")),
        b: {**switch_flag(False), "description": "switch"},
    }
    spec = write_flags_file(tmp_path, flags)

    dry = sync(admin, spec, dry_run=True)
    assert {c.summary.split(" ")[0] for c in dry.changes} >= {"create", "add"}
    assert admin.feature("default", a) is None  # a dry run changes nothing

    first = sync(admin, spec)
    assert [c.summary for c in first.changes if c.flag == a] == [
        "create (release)",
        "add strategy 1: flexibleRollout 5% clinic IN ['x'] variants blue/green",
        "switch on in development",
    ]
    assert sync(admin, spec).empty  # idempotent

    served = served_when(unleash_server, lambda f: a in f)
    assert served[a]["enabled"] is True and served[b]["enabled"] is False
    assert [comparable_strategy(s) for s in served[a]["strategies"]] == [
        comparable_strategy(s.unleash(a)) for s in spec.flags[a].strategies
    ]

    # An edit to the file: the rollout, the description, and the switch.
    flags[a]["strategies"][0]["rollout"] = 20
    flags[b]["enabled"] = True
    flags[b]["description"] = "switch, reworded"
    spec = write_flags_file(tmp_path, flags)
    second = sync(admin, spec)
    assert sorted(c.summary for c in second.changes) == [
        "description 'switch' -> 'switch, reworded'",
        "strategy 1: flexibleRollout 5% clinic IN ['x'] variants blue/green"
        " -> flexibleRollout 20% clinic IN ['x'] variants blue/green",
        "switch on in development",
    ]
    assert sync(admin, spec).empty
    served = served_when(unleash_server, lambda f: f[b]["enabled"] is True)
    assert served[a]["strategies"][0]["parameters"]["rollout"] == "20"
    assert served[b]["enabled"] is True and served[b]["description"] == "switch, reworded"


def test_set_edits_the_file_keeps_comments_and_commits(tmp_path: Path) -> None:
    folder = flags_repository(tmp_path)
    before = (folder / "staging.yaml").read_text()
    code = main(
        [
            "flags",
            "set",
            "llm_model_routing",
            "--percent",
            "10",
            "--env",
            "staging",
            "--dir",
            str(folder),
        ]
    )
    assert code == 0
    after = (folder / "staging.yaml").read_text()
    assert load_spec(folder / "staging.yaml").flags["llm_model_routing"].strategies[0].rollout == 10
    # Only that number changed: comments and layout are kept.
    changed = [
        (x, y) for x, y in zip(before.splitlines(), after.splitlines(), strict=True) if x != y
    ]
    assert changed == [("        rollout: 5", "        rollout: 10")]
    message, files = last_commit(folder)
    assert message.startswith("flags(staging): llm_model_routing rollout 10%")
    assert files == ["flags/bootstrap/staging.json", "flags/staging.yaml"]
    assert main(["flags", "generate", "--check", "--dir", str(folder)]) == 0
    # A flag without a percentage to set: a clear error, nothing committed.
    assert main(["flags", "set", "kill_llm", "--percent", "10", "--dir", str(folder)]) == 1
    assert last_commit(folder)[0] == message


def test_kill_acts_on_the_server_and_commits_the_reason(
    unleash_server: UnleashServer,
    admin: UnleashAdmin,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = flags_repository(tmp_path)
    server = ["--unleash", unleash_server.url, "--token", unleash_server.admin_token]
    assert main(["flags", "sync", "--env", "staging", "--dir", str(folder), *server]) == 0
    status = ["flags", "status", "--env", "staging", "--dir", str(folder), *server]
    assert main(status) == 0
    # A change made in Unleash's UI, not in the file: status shows the drift (exit 1).
    admin.request("POST", "/projects/default/features/kill_llm/environments/development/on")
    capsys.readouterr()
    assert main(status) == 1
    [row] = [line for line in capsys.readouterr().out.splitlines() if "DRIFT" in line]
    assert row.startswith("kill_llm ") and " off " in row and " on " in row
    assert main(["flags", "sync", "--env", "staging", "--dir", str(folder), *server]) == 0
    assert main(status) == 0
    before = served_when(unleash_server, lambda f: f["kill_llm"]["enabled"] is False)
    assert before["kill_booking_writes"]["enabled"] is False
    assert before["llm_model_routing"]["enabled"] is True
    try:
        for name in ("kill_booking_writes", "llm_model_routing"):
            code = main(
                ["flags", "kill", name, "--env", "staging", "--reason", "double bookings",
                 "--dir", str(folder), *server]
            )  # fmt: skip
            assert code == 0
        after = served_when(unleash_server, lambda f: f["kill_booking_writes"]["enabled"])
        # A kill switch is switched on; any other flag off.
        assert after["kill_booking_writes"]["enabled"] is True
        assert after["llm_model_routing"]["enabled"] is False
        message, files = last_commit(folder)
        assert "kill llm_model_routing" in message and "Reason: double bookings" in message
        assert files == ["flags/bootstrap/staging.json", "flags/staging.yaml"]
        spec = load_spec(folder / "staging.yaml")
        assert (
            spec.flags["kill_booking_writes"].enabled
            and not spec.flags["llm_model_routing"].enabled
        )
        # The file now says what the server does: nothing to sync.
        assert sync(admin, spec, dry_run=True).empty
    finally:
        sync(admin, load_spec(PROJECT_ROOT / "gitops" / "flags" / "staging.yaml"))
