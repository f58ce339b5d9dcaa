"""Starting Switchboard's services as separate processes, the way ``make run`` does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path


def spawn(service: str, env: dict[str, str], log_path: Path, *, own_group: bool = False) -> subprocess.Popen[bytes]:
    """Start one service in its own process, its output appended to ``log_path``.

    With ``own_group`` the service leads a process group of its own, so a Ctrl-C at the terminal
    reaches only the parent, which then stops the service in order rather than racing it.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli", service],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            process_group=0 if own_group else None,
        )


def stop(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it does not exit in time."""
    stop_together([process], timeout)


def stop_together(processes: Iterable[subprocess.Popen[bytes]], timeout: float = 15.0) -> None:
    """SIGTERM to every process at once, then SIGKILL to those not gone ``timeout`` seconds later.

    They wind down side by side, so stopping several takes as long as the slowest, not their sum.
    """
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
