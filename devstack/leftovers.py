"""What an earlier ``make run`` left running when it was killed, found by its pid files and stopped.

``make run`` starts PostgreSQL, Kafka and each service in a process of its own; when ``make run``
itself dies without stopping them (``kill -9``, a crash), they keep their ports and the next run
cannot start. Every one of them leaves a pid file under the data directory: PostgreSQL its own
``postmaster.pid``, Kafka and the services a :class:`PidFile` that records the pid, the process's
start time and its command line. A process is stopped only when it is provably the one recorded
(same start time and command line; for PostgreSQL, a ``postgres`` whose command line names our
data directory), so a pid reused by anything else is never signalled.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

STOP_TIMEOUT_SECONDS = 30.0
_PROC = Path("/proc")


class AlreadyRunning(RuntimeError):
    """Another live ``switchboard-dev run`` uses the same data directory."""


@dataclass(frozen=True)
class Recorded:
    """A process as its pid file recorded it."""

    pid: int
    started: int  # clock ticks after boot, from /proc/<pid>/stat
    command: list[str]


@dataclass(frozen=True)
class PidFile:
    """A pid file naming one process of ours exactly (pid, start time, command line)."""

    path: Path

    def write(self, pid: int) -> None:
        """Record the running process ``pid``."""
        started, command = start_time(pid), _settled_command_line(pid)
        if started is None or command is None:
            return  # it exited already: nothing can be left over
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"pid": pid, "started": started, "command": command}))

    def read(self) -> Recorded | None:
        """The recorded process, or None without a readable pid file."""
        try:
            data = json.loads(self.path.read_text())
            return Recorded(int(data["pid"]), int(data["started"]), [str(a) for a in data["command"]])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def remove(self) -> None:
        """Forget the process (it was stopped)."""
        self.path.unlink(missing_ok=True)

    def running(self) -> Recorded | None:
        """The recorded process if it is still that same process and alive, else None."""
        recorded = self.read()
        if recorded is None or not alive(recorded.pid):
            return None
        if start_time(recorded.pid) != recorded.started or command_line(recorded.pid) != recorded.command:
            return None  # the pid now belongs to another process
        return recorded


def start_time(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks after boot (field 22 of /proc/<pid>/stat); None if gone."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def command_line(pid: int) -> list[str] | None:
    """The command line of ``pid``, or None if it is gone."""
    try:
        raw = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _settled_command_line(pid: int, timeout: float = 5.0) -> list[str] | None:
    """The command line of a process that may still be inside exec, once the kernel has set it.

    A child can be seen between closing its close-on-exec pipe (when Popen returns) and the kernel
    placing the new program's arguments: its command line then reads empty, and a pid file written
    from it would never match the process again.
    """
    deadline = time.monotonic() + timeout
    command = command_line(pid)
    while command == [] and time.monotonic() < deadline:
        time.sleep(0.01)
        command = command_line(pid)
    return command


def alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def terminate(pid: int, *, group: bool = False, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """SIGTERM ``pid`` (or its whole process group), then SIGKILL if it is still alive after ``timeout``."""
    send = os.killpg if group else os.kill
    with contextlib.suppress(ProcessLookupError):
        send(pid, signal.SIGTERM)
    if not await_exit(pid, timeout):
        with contextlib.suppress(ProcessLookupError):
            send(pid, signal.SIGKILL)
        await_exit(pid, timeout)


def await_exit(pid: int, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    """Wait until ``pid`` has exited (or is a zombie); whether it did within ``timeout``."""
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)  # not our child: nothing to wait() on, only its /proc entry to watch
    return True


def claim(run_file: PidFile) -> None:
    """Record this process as the data directory's run; AlreadyRunning if another live run holds it."""
    other = run_file.running()
    if other is not None and other.pid != os.getpid():
        msg = (
            f"another switchboard-dev run (pid {other.pid}) is using {run_file.path.parent.parent}; "
            "stop it (Ctrl-C in its terminal, or kill it) before starting a new one"
        )
        raise AlreadyRunning(msg)
    run_file.write(os.getpid())


def stop_recorded(pid_file: PidFile, what: str, *, group: bool = False) -> str | None:
    """Stop the process ``pid_file`` names if it is still that process; forget the file either way."""
    recorded = pid_file.running()
    pid_file.remove()
    if recorded is None:
        return None
    is_group_leader = group and _group_of(recorded.pid) == recorded.pid
    terminate(recorded.pid, group=is_group_leader)
    return f"stopped {what} (pid {recorded.pid}) left running by an earlier run"


def stop_postgres(data_dir: Path, stop: Callable[[], None]) -> str | None:
    """Stop the PostgreSQL of ``data_dir`` with ``stop`` if its postmaster is alive and is ours."""
    lock = data_dir / "postmaster.pid"
    try:
        pid = int(lock.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    command = command_line(pid) if alive(pid) else None
    if command is None or not _postgres_of(command, data_dir):
        # A postmaster that died with its lock file left it behind; PostgreSQL would refuse to
        # start only if the pid is alive, and then it belongs to something else.
        return None
    stop()
    # pg_ctl returns once the lock file is gone, which the postmaster removes just before it exits.
    if not await_exit(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        await_exit(pid)
    return f"stopped PostgreSQL (pid {pid}, {data_dir}) left running by an earlier run"


def _postgres_of(command: list[str], data_dir: Path) -> bool:
    if not command or not Path(command[0]).name.startswith("postgres"):
        return False
    resolved = str(data_dir.resolve())
    return any(arg in {str(data_dir), resolved} for arg in command[1:])


def _group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None
