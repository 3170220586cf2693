"""The OS pieces of ``frontdesk up``, on real processes and sockets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from frontdesk.cli.processes import (
    alive,
    pick_port,
    port_is_free,
    spawn,
    tail,
    terminate,
    wait_for_port,
)

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")


def wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_pick_port_takes_the_preferred_port_unless_something_listens() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        busy = listener.getsockname()[1]
        assert not port_is_free(busy)
        other = pick_port(busy)
        assert other != busy and port_is_free(other)
    assert pick_port(busy) == busy  # free again once the listener is gone
    assert pick_port(busy, avoid={busy}) != busy


@linux_only
def test_a_spawned_child_dies_when_its_parent_is_killed(tmp_path: Path) -> None:
    # A middle process spawns a sleeping grandchild with spawn(), prints its pid, then waits;
    # SIGKILL on the middle must take the grandchild down, even one that ignores SIGTERM (a
    # service stuck in its shutdown).
    script = textwrap.dedent(
        f"""
        import sys, time, signal
        from pathlib import Path
        sys.path[:0] = {[str(p) for p in sys.path if p]!r}
        from frontdesk.cli.processes import spawn
        sleeper = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                   "time.sleep(60)")
        child = spawn([sys.executable, "-c", sleeper], env={{}},
                      log_path=Path({str(tmp_path / "child.log")!r}), cwd=Path({str(tmp_path)!r}))
        print(child.pid, flush=True)
        time.sleep(60)
        """
    )
    middle = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert middle.stdout is not None
    grandchild = int(middle.stdout.readline())
    try:
        assert alive(grandchild)
        assert os.getpgid(grandchild) == grandchild  # its own process group: no terminal Ctrl-C
        middle.kill()
        middle.wait()
        assert wait_gone(grandchild), "the grandchild outlived its parent"
    finally:
        if alive(grandchild):
            os.kill(grandchild, signal.SIGKILL)


def test_spawn_appends_output_to_the_log(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "svc.log"
    log.parent.mkdir()
    log.write_text("earlier run\n")
    child = spawn(
        [
            sys.executable,
            "-c",
            "import sys; print('out', flush=True); print('err', file=sys.stderr)",
        ],
        env={"PATH": os.environ.get("PATH", "")},
        log_path=log,
        cwd=tmp_path,
    )
    assert child.wait(timeout=10) == 0
    assert log.read_text().splitlines() == ["earlier run", "out", "err"]


def test_terminate_kills_what_ignores_sigterm(tmp_path: Path) -> None:
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline() == "ready\n"
    killed = terminate([polite, stubborn], timeout=1.0)
    assert killed == [stubborn.pid]
    assert polite.returncode == -signal.SIGTERM
    assert stubborn.returncode == -signal.SIGKILL


def test_wait_for_port_gives_up_when_the_process_exits() -> None:
    quitter = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    quitter.wait()
    with pytest.raises(TimeoutError, match="exited with code 3"):
        wait_for_port("127.0.0.1", pick_port(0), timeout=5, process=quitter)


def test_tail_returns_the_last_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    path.write_text("".join(f"line {i}\n" for i in range(100)))
    assert tail(path, 3).splitlines() == ["line 97", "line 98", "line 99"]
    assert tail(tmp_path / "missing.log") == ""
