"""Starting Switchboard's services as separate processes, the way ``make run`` does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
