"""Child processes that die with their parent, ports that are free, log tails.

The small OS-level pieces of ``frontdesk up`` (see :mod:`frontdesk.cli.stack`):

- :func:`spawn` starts a child in its own process group (so a Ctrl-C in the terminal reaches
  only the supervisor, which then stops the children in order) and, on Linux, with
  ``prctl(PR_SET_PDEATHSIG)`` so the kernel signals the child when the supervisor dies, even
  by SIGKILL. Without that, a hard-killed supervisor would leave orphans holding the ports.
  The signal is SIGKILL: a supervisor that dies hard takes the embedded NATS with it, so the
  services could not drain anyway, and a service's SIGTERM shutdown may wait forever on the
  vanished NATS (seen with phi_filter). The orderly path (SIGTERM, wait, SIGKILL) is
  :func:`terminate`, which ``frontdesk up`` runs on Ctrl-C / SIGTERM.
- :func:`pick_port` takes a preferred port unless something listens there.
- :func:`terminate` sends SIGTERM, waits (bounded), then SIGKILLs.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1


def _parent_death_hook(sig: signal.Signals) -> Callable[[], None] | None:
    """A ``preexec_fn`` that asks the kernel to send ``sig`` when our process exits (Linux).

    The libc function is resolved here, in the parent, so the child runs nothing but the
    ``prctl`` call between fork and exec. PDEATHSIG fires when the *thread* that forked the
    child exits, so spawn from the main thread (``frontdesk up`` does).
    """
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        # The parent may have died between fork and prctl: then nobody would signal us.
        if os.getppid() != parent:
            os.kill(os.getpid(), sig)

    return hook


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    log_path: Path,
    cwd: Path,
    death_signal: signal.Signals = signal.SIGKILL,
) -> subprocess.Popen[bytes]:
    """Starts ``argv`` with stdout and stderr appended to ``log_path``; see the module docs."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log: IO[bytes]
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0,
            preexec_fn=_parent_death_hook(death_signal),
        )


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on ``host:port`` (SO_REUSEADDR, as servers bind)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel considers free right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def pick_port(preferred: int, avoid: Collection[int] = ()) -> int:
    """``preferred`` when free and not in ``avoid``, else any free port not in ``avoid``."""
    if preferred > 0 and preferred not in avoid and port_is_free(preferred):
        return preferred
    while True:
        port = free_port()
        if port not in avoid:
            return port


def alive(pid: int) -> bool:
    """True when a process with ``pid`` exists (and is not a zombie we could reap)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still "exists": it is dead for our purposes.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def terminate(processes: Sequence[subprocess.Popen[bytes]], timeout: float) -> list[int]:
    """SIGTERM to each running process, wait up to ``timeout`` s for all, SIGKILL the rest.

    Returns the pids that had to be killed.
    """
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(deadline - time.monotonic(), 0.01))
    killed = []
    for process in processes:
        if process.poll() is None:
            killed.append(process.pid)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait()
    return killed


def tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a text file ('' when it does not exist)."""
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            size = file.tell()
            file.seek(max(size - 64 * 1024, 0))
            data = file.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def wait_for_port(
    host: str,
    port: int,
    *,
    timeout: float,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Returns once something accepts connections on ``host:port``.

    Raises TimeoutError after ``timeout`` s, or at once when ``process`` exits meanwhile.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise TimeoutError(f"process {process.pid} exited with code {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout:.0f} s")
