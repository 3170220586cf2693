"""``frontdesk up`` as a user runs it: a subprocess in a fresh state folder.

- up prints the table, ``status`` says every service is SERVING, SIGINT stops everything
  (every child and the embedded NATS gone, stack.json removed, exit code 0);
- SIGKILL on ``up`` still takes every child down (PR_SET_PDEATHSIG);
- the starter scenarios pass against the stack (``frontdesk simulate``).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from frontdesk.cli.processes import alive
from frontdesk.cli.stack import SERVICES

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
# Generous: on a loaded 2-core machine six services importing litellm & co. take a while.
START_TIMEOUT = 240.0
UP_START_TIMEOUT = "180"


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    # The gateway's load guard off: on a shared, busy test machine it would refuse the
    # scenarios' calls as overload (it is tested on its own in test_admission_load.py).
    env["FRONTDESK_ADMISSION_TURN_P95_MS"] = "0"
    env["FRONTDESK_ADMISSION_LOOP_LAG_MS"] = "0"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "libs"), str(REPO / "services")])
    return env


def frontdesk(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", *args],
        env=cli_env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class Up:
    process: subprocess.Popen[str]
    state_dir: Path
    lines: queue.Queue[str | None]
    output: list[str]

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            if text in line:
                return
        raise AssertionError(f"`frontdesk up` never printed {text!r}:\n" + "".join(self.output))

    def stack(self) -> dict[str, object]:
        data: dict[str, object] = json.loads((self.state_dir / "stack.json").read_text())
        return data

    def pids(self) -> list[int]:
        data = self.stack()
        services = data["services"]
        assert isinstance(services, dict)
        pids = [int(record["pid"]) for record in services.values()]
        nats_pid = data["nats_pid"]
        assert isinstance(nats_pid, int)
        return [*pids, nats_pid]


@contextlib.contextmanager
def running_up(state_dir: Path) -> Iterator[Up]:
    """`frontdesk up` in a subprocess until the block ends (then SIGINT, as a user would)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "frontdesk.cli",
            "up",
            "--state-dir",
            str(state_dir),
            "--start-timeout",
            UP_START_TIMEOUT,
        ],
        env=cli_env(),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    output: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    started = Up(process, state_dir, lines, output)
    try:
        started.wait_for("frontdesk is up", START_TIMEOUT)
        yield started
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    """A stack of the test's own: for the tests that stop or kill it."""
    with running_up(tmp_path / "state") as started:
        yield started


@pytest.fixture(scope="module")
def shared_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    """One stack for the module's tests that only talk to it (each start costs ~20 s)."""
    with running_up(tmp_path_factory.mktemp("up") / "state") as started:
        if started.process.poll() is not None:
            pytest.fail("`frontdesk up` exited:\n" + "".join(started.output))
        yield started


def wait_until_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [pid for pid in pids if alive(pid)]
        if not left:
            return []
        time.sleep(0.2)
    return [pid for pid in pids if alive(pid)]


def test_up_serves_every_service_and_sigint_stops_everything(up: Up) -> None:
    table = "".join(up.output)
    for name in SERVICES:
        assert name in table
    assert str(up.state_dir / "logs" / "gateway.log") in table
    pids = up.pids()
    assert all(alive(pid) for pid in pids)

    status = frontdesk("status", "--state-dir", str(up.state_dir))
    assert status.returncode == 0, status.stdout + status.stderr
    rows = [line for line in status.stdout.splitlines() if line.split()[0] in SERVICES]
    assert len(rows) == len(SERVICES)
    assert all(line.split()[1] == "SERVING" for line in rows), status.stdout

    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(timeout=60) == 0, "".join(up.output)
    assert wait_until_gone(pids, timeout=5) == []
    assert not (up.state_dir / "stack.json").exists()
    assert "stopped" in "".join(up.output)

    after = frontdesk("status", "--state-dir", str(up.state_dir))
    assert after.returncode == 1 and "no stack is running" in after.stderr


def test_children_die_when_up_is_killed_hard(up: Up) -> None:
    pids = up.pids()
    up.process.kill()
    up.process.wait(timeout=10)
    assert wait_until_gone(pids, timeout=30) == []
    # stack.json is left behind; status reads it and reports every service DOWN.
    status = frontdesk("status", "--state-dir", str(up.state_dir))
    assert status.returncode == 1
    assert status.stdout.count("DOWN") == len(SERVICES)


def test_a_child_dying_stops_the_stack_with_an_error(up: Up) -> None:
    pids = up.pids()
    services = up.stack()["services"]
    assert isinstance(services, dict)
    victim = int(services["orchestrator"]["pid"])
    os.kill(victim, signal.SIGKILL)
    assert up.process.wait(timeout=60) == 1
    output = "".join(up.output)
    assert "error: orchestrator exited with code -9" in output
    assert str(up.state_dir / "logs" / "orchestrator.log") in output
    assert wait_until_gone(pids, timeout=5) == []
    assert not (up.state_dir / "stack.json").exists()


@pytest.mark.parametrize("transport", [[], ["--ws"]], ids=["grpc", "conversation-relay"])
def test_call_talks_to_the_stack_from_a_terminal(shared_up: Up, transport: list[str]) -> None:
    up = shared_up
    call = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "frontdesk.cli",
            "call",
            "--state-dir",
            str(up.state_dir),
            *transport,
        ],
        env=cli_env(),
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert call.stdin is not None and call.stdout is not None
    seen: list[str] = []

    def expect(text: str) -> None:
        assert call.stdout is not None
        for line in call.stdout:
            seen.append(line)
            if text in line:
                return
        raise AssertionError(f"`frontdesk call` never printed {text!r}:\n" + "".join(seen))

    watchdog = threading.Timer(90, call.kill)  # a hung call must not hang the test run
    watchdog.start()
    try:
        expect("assistant: Thanks for calling Maple Street Family Clinic")
        call.stdin.write("what are your hours?\n")
        call.stdin.flush()
        expect("assistant: We're open")
        call.stdin.write("no thanks, goodbye\n")
        call.stdin.flush()
        expect("[call ended: outcome=contained]")
        assert call.wait(timeout=30) == 0
    finally:
        watchdog.cancel()
        if call.poll() is None:
            call.kill()
            call.wait()


@pytest.mark.slow
def test_the_starter_scenarios_pass_against_the_stack(shared_up: Up) -> None:
    up = shared_up
    result = frontdesk(
        "simulate",
        str(REPO / "tests" / "e2e" / "scenarios"),
        "--state-dir",
        str(up.state_dir),
        # One call at a time: scripted callers cannot follow "that time was just taken" when two
        # of them pick the same slot (a real caller would; the assistant offers another).
        "--concurrency",
        "1",
        "--json",
        timeout=300,
    )
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    failed = {c["scenario"]: c["failures"] for c in report["calls"] if not c["passed"]}
    assert failed == {}
    assert result.returncode == 0
    summary = report["summary"]
    assert summary["calls"] == len(report["calls"]) >= 9
    assert summary["task_success_rate"] == 1.0
    assert 0 < summary["containment_rate"] < 1  # the set has contained and handed-off calls
    assert summary["handoffs"] >= 1 and summary["latency_p50"] is not None


def test_simulate_over_the_conversation_relay(shared_up: Up) -> None:
    up = shared_up
    stack = json.loads((up.state_dir / "stack.json").read_text())
    assert stack["relay_url"].startswith("wss://127.0.0.1:")  # TLS, as the gRPC ports
    assert "ConversationRelay: wss://" in "".join(up.output)
    result = frontdesk(
        "simulate",
        str(REPO / "tests" / "e2e" / "scenarios" / "booking.yaml"),
        "--state-dir",
        str(up.state_dir),
        "--ws",
        "--json",
        timeout=300,
    )
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["task_success_rate"] == 1.0, report
    assert result.returncode == 0
    # Signed with the wrong auth token, the same calls are refused at the handshake.
    wrong = subprocess.run(
        [
            sys.executable,
            "-m",
            "frontdesk.cli",
            "simulate",
            str(REPO / "tests" / "e2e" / "scenarios" / "booking.yaml"),
            "--state-dir",
            str(up.state_dir),
            "--ws",
            "--json",
        ],
        env={**cli_env(), "FRONTDESK_TWILIO_AUTH_TOKEN": "not-the-token"},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wrong.returncode == 1
    assert "403" in wrong.stdout


def test_up_is_secure_by_default(shared_up: Up) -> None:
    up = shared_up
    import asyncio

    import grpc
    import nats

    from frontdesk.cli.stackfile import StackFile, stack_client
    from frontdesk.v1 import handoff_pb2, handoff_pb2_grpc

    printed = "".join(up.output)
    secrets = up.state_dir.resolve() / "secrets"
    assert f"CA certificate: {secrets / 'ca.pem'}" in printed
    assert "grpcurl -cacert" in printed and "authorization: Bearer" in printed
    state = StackFile.load(up.state_dir)
    assert state.secrets_dir and state.nats_users
    handoff = state.services["handoff"].grpc_address

    def list_handoffs(channel: grpc.Channel) -> grpc.StatusCode:
        try:
            handoff_pb2_grpc.HandoffStub(channel).List(handoff_pb2.ListHandoffsRequest(), timeout=5)
        except grpc.RpcError as error:
            assert isinstance(error, grpc.Call)
            return error.code()
        return grpc.StatusCode.OK

    agent_desk = stack_client(state, "agent_desk")
    with agent_desk.with_token("").sync_channel(handoff) as channel:
        assert list_handoffs(channel) == grpc.StatusCode.UNAUTHENTICATED
    with stack_client(state, "telephony").sync_channel(handoff) as channel:
        assert list_handoffs(channel) == grpc.StatusCode.PERMISSION_DENIED
    with agent_desk.sync_channel(handoff) as channel:
        assert list_handoffs(channel) == grpc.StatusCode.OK
    with grpc.insecure_channel(handoff) as channel:  # plaintext does not reach a TLS server
        assert list_handoffs(channel) == grpc.StatusCode.UNAVAILABLE

    async def anonymous_nats() -> None:
        await nats.connect(state.nats_url, allow_reconnect=False, max_reconnect_attempts=0)

    with pytest.raises(Exception, match=r"(?i)authorization violation"):
        asyncio.run(anonymous_nats())

    # The auditor's credentials come from the state folder by themselves.
    verify = frontdesk("audit", "verify", "--state-dir", str(up.state_dir))
    assert verify.returncode == 0, verify.stdout + verify.stderr
