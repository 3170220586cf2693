"""CPU time and resident memory of the stack's processes, read from ``/proc`` (Linux).

    sampler = ProcessSampler({"gateway": 4242, "nats-server": 4200})
    before = sampler.cpu_seconds()           # {"gateway": 1.23, ...}
    ...
    used = sampler.cpu_since(before)         # CPU seconds each used since
    sampler.rss_bytes()                      # {"gateway": 81_000_000, ...}

Read straight from ``/proc/<pid>/stat`` and ``/proc/<pid>/status`` rather than through psutil:
two fields each, on the only platform the stack's benchmarks run on, without a new dependency.
A process that has gone away reads as absent (and is reported in ``gone``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds_of(pid: int, proc: Path = Path("/proc")) -> float | None:
    """User + system CPU seconds of ``pid`` (its threads included); None when it is gone."""
    try:
        text = (proc / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)


def rss_bytes_of(pid: int, proc: Path = Path("/proc")) -> int | None:
    try:
        text = (proc / str(pid) / "statm").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(text.split()[1]) * PAGE_SIZE


class ProcessSampler:
    """CPU and memory of named processes (name -> pid)."""

    def __init__(self, pids: Mapping[str, int], proc: Path = Path("/proc")) -> None:
        self.pids = dict(pids)
        self._proc = proc
        self.gone: set[str] = set()

    def cpu_seconds(self) -> dict[str, float]:
        found: dict[str, float] = {}
        for name, pid in self.pids.items():
            value = cpu_seconds_of(pid, self._proc)
            if value is None:
                self.gone.add(name)
            else:
                found[name] = value
        return found

    def cpu_since(self, before: Mapping[str, float]) -> dict[str, float]:
        now = self.cpu_seconds()
        return {name: now[name] - before[name] for name in now if name in before}

    def rss_bytes(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for name, pid in self.pids.items():
            value = rss_bytes_of(pid, self._proc)
            if value is not None:
                found[name] = value
        return found


def machine_load() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages (what else the machine was doing)."""
    return os.getloadavg()
