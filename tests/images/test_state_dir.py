"""FRONTDESK_STATE_DIR: where services write. An installed image's install is read-only, so the
SQLite defaults must follow the state directory, not the package's location."""

from __future__ import annotations

from pathlib import Path

import pytest

from handoff.app import HandoffSettings
from handoff.store import HandoffStore
from scheduler_adapter.app import SchedulerSettings
from scheduler_adapter.sql_backend import SqlBackend
from servicekit.settings import PROJECT_ROOT, ServiceSettings


def test_the_default_state_dir_is_the_checkouts_dot_frontdesk() -> None:
    assert ServiceSettings().state_dir == PROJECT_ROOT / ".frontdesk"
    assert SchedulerSettings().scheduler_database_url == (
        f"sqlite+pysqlite:///{PROJECT_ROOT / '.frontdesk' / 'scheduler.db'}"
    )
    assert HandoffSettings().handoff_database_url == (
        f"sqlite:///{PROJECT_ROOT / '.frontdesk' / 'handoffs.db'}"
    )


def test_the_databases_follow_the_state_dir_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setenv("FRONTDESK_STATE_DIR", str(state))
    scheduler = SchedulerSettings()
    handoff = HandoffSettings()
    assert scheduler.scheduler_database_url == f"sqlite+pysqlite:///{state / 'scheduler.db'}"
    assert handoff.handoff_database_url == f"sqlite:///{state / 'handoffs.db'}"
    # Opening them creates the files there.
    SqlBackend.open(scheduler.scheduler_database_url).close()
    HandoffStore.open(handoff.handoff_database_url).engine.dispose()
    assert sorted(p.name for p in state.iterdir()) == ["handoffs.db", "scheduler.db"]


def test_an_explicit_database_url_wins_over_the_state_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FRONTDESK_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("FRONTDESK_SCHEDULER_DATABASE_URL", "postgresql+psycopg://db/scheduler")
    monkeypatch.setenv("FRONTDESK_HANDOFF_DATABASE_URL", "postgresql+psycopg://db/handoff")
    assert SchedulerSettings().scheduler_database_url == "postgresql+psycopg://db/scheduler"
    assert HandoffSettings().handoff_database_url == "postgresql+psycopg://db/handoff"
