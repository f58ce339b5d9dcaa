"""CPU time and memory of the run's processes, read from /proc (Linux)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User plus system CPU seconds a process has used (0 if it is gone).

    With ``reaped``, also the time of children it has waited for (a server's exited workers).
    """
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    used = int(fields[11]) + int(fields[12])
    if reaped:
        used += int(fields[13]) + int(fields[14])
    return used / TICKS


def rss_bytes(pid: int) -> int:
    """Resident memory of a process in bytes (0 if it is gone)."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def children(parent: int) -> list[int]:
    """Direct children of a process."""
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == parent:
                found.append(int(entry.name))
    return found


def find_process(marker: str) -> int | None:
    """The first process whose command line contains ``marker``."""
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    return int(entry.name)
            except OSError:
                continue
    return None


@dataclass(frozen=True)
class Group:
    """A named set of processes whose CPU time is added up (a server and its workers)."""

    name: str
    pid: int
    with_children: bool = False

    def cpu(self) -> float:
        """CPU seconds of the process (and its children) so far."""
        if not self.with_children:
            return cpu_seconds(self.pid)
        return cpu_seconds(self.pid, reaped=True) + sum(cpu_seconds(p) for p in children(self.pid))


class CpuMeter:
    """CPU used by each group between ``start`` and ``stop``, as a share of one core."""

    def __init__(self, groups: list[Group]) -> None:
        self._groups = groups
        self._before: dict[str, float] = {}
        self._started = 0.0

    def start(self, now: float) -> None:
        """Take the first reading."""
        self._started = now
        self._before = {g.name: g.cpu() for g in self._groups}

    def stop(self, now: float) -> dict[str, float]:
        """Per group, the share of one core used since ``start`` (1.0 = one core busy)."""
        elapsed = max(now - self._started, 1e-9)
        return {g.name: round((g.cpu() - self._before[g.name]) / elapsed, 3) for g in self._groups}
