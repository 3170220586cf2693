"""Stack pieces that need no services: options, stack.json, tables, and a failing start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from frontdesk.cli import health
from frontdesk.cli.processes import alive
from frontdesk.cli.stack import (
    SERVICES,
    Stack,
    StackError,
    StackOptions,
    database_urls,
    format_table,
    parse_only,
    service_statuses,
    stack_table,
)
from frontdesk.cli.stackfile import ServiceRecord, StackFile, StackNotRunning
from servicekit.testing import NatsServer


def test_only_keeps_start_order_and_refuses_unknown_names() -> None:
    assert parse_only(None) == SERVICES
    assert parse_only("handoff, gateway") == ("gateway", "handoff")
    with pytest.raises(StackError, match=r"unknown service.*gatway"):
        parse_only("gatway,handoff")


def test_database_urls_default_to_sqlite_in_the_state_folder(tmp_path: Path) -> None:
    urls = database_urls(tmp_path, {})
    assert urls == {
        "scheduler": f"sqlite:///{tmp_path / 'scheduler.db'}",
        "handoff": f"sqlite:///{tmp_path / 'handoff.db'}",
    }
    given = "postgresql+psycopg://postgres@127.0.0.1:5432/x"
    assert database_urls(tmp_path, {"FRONTDESK_HANDOFF_DATABASE_URL": given})["handoff"] == given


def sample(state_dir: Path, pid: int) -> StackFile:
    return StackFile(
        supervisor_pid=pid,
        state_dir=str(state_dir),
        nats_url="nats://127.0.0.1:4222",
        nats_pid=None,
        databases={"scheduler": "sqlite:///s.db"},
        services={
            "gateway": ServiceRecord("gateway", pid, "127.0.0.1:1", "http://m/metrics", "g.log")
        },
        started_at="2025-01-01T00:00:00+00:00",
    )


def test_stack_file_round_trips_and_says_when_missing(tmp_path: Path) -> None:
    with pytest.raises(StackNotRunning, match="frontdesk up"):
        StackFile.load(tmp_path)
    state = sample(tmp_path, 42)
    state.write(tmp_path)
    assert StackFile.load(tmp_path) == state
    assert not list(tmp_path.glob("*.tmp"))


def test_tables_align_columns() -> None:
    text = format_table([["a", "long value"], ["bbb", "x"]], ["K", "V"])
    assert text.splitlines() == ["K    V", "a    long value", "bbb  x"]


def test_status_says_down_for_a_dead_process_and_for_no_answer(tmp_path: Path) -> None:
    dead = sample(tmp_path, 2**22 + 12345)  # above pid_max's default: no such process
    assert not alive(2**22 + 12345)
    assert service_statuses(dead) == {"gateway": health.DOWN}
    live = sample(tmp_path, os.getpid())  # alive, but nothing serves health on port 1
    assert service_statuses(live, timeout=0.5) == {"gateway": health.DOWN}
    table = stack_table(live, {"gateway": health.DOWN})
    assert table.splitlines()[1].split()[:3] == ["gateway", "DOWN", str(os.getpid())]


def test_a_second_up_on_the_same_state_folder_is_refused(tmp_path: Path) -> None:
    sample(tmp_path, os.getppid()).write(tmp_path)  # a live "supervisor" that is not us
    stack = Stack(StackOptions(state_dir=tmp_path, only=("llm_router",), environ={}))
    with pytest.raises(StackError, match="already running"):
        stack.start()
    assert stack.services == {}


@pytest.mark.nats
def test_a_service_that_cannot_start_is_named_with_its_log(tmp_path: Path) -> None:
    nats = NatsServer.start()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")},
        "FRONTDESK_NATS_URL": nats.url,
        # An unreadable clinics folder: the service exits at start.
        "FRONTDESK_CLINICS_DIR": str(tmp_path / "no-such-folder"),
        "FRONTDESK_FLAGS_FILE": str(tmp_path / "no-flags.json"),
    }
    stack = Stack(
        StackOptions(
            state_dir=tmp_path / "state", only=("handoff",), environ=environ, start_timeout=60
        )
    )
    try:
        with pytest.raises(StackError) as caught:
            stack.start()
        message = str(caught.value)
        assert message.startswith("handoff ")
        assert str(tmp_path / "state" / "logs" / "handoff.log") in message
    finally:
        stack.stop()
        nats.stop()
    assert all(s.process.poll() is not None for s in stack.services.values())
    assert not (tmp_path / "state" / "stack.json").exists()
