"""Running Switchboard's services as separate processes for a test."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.waiting import until
from devstack.processes import spawn, stop
from services.settings import Settings
from tests.conftest import settings_env

ALL = ("ingest", "router", "projections", "gateway")


class RunningServices:
    """Service processes started from one set of settings; restartable one by one."""

    def __init__(self, settings: Settings, logs: Path) -> None:
        self.settings = settings
        self.logs = logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, service: str, instance: str | None = None) -> None:
        """Start a service; ``instance`` names a second process of the same service."""
        name = instance or service
        self.processes[name] = spawn(service, settings_env(self.settings), self.logs / f"{name}.log")

    def kill(self, service: str) -> None:
        process = self.processes[service]
        process.kill()
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes.values():
            stop(process)

    def log_tail(self, service: str, chars: int = 3000) -> str:
        path = self.logs / f"{service}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    async def healthy_except(self, *missing: str, timeout: float = 60.0) -> dict[str, object]:
        """Wait until every check but those of services deliberately not started is ok."""
        return await self.healthy(timeout, ignore=missing)

    async def healthy(self, timeout: float = 60.0, ignore: tuple[str, ...] = ()) -> dict[str, object]:
        url = f"{self.settings.console_url}/healthz"

        async def check() -> dict[str, object] | None:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    msg = f"{name} exited with {process.returncode}:\n{self.log_tail(name)}"
                    raise AssertionError(msg)
            try:
                async with httpx.AsyncClient() as client:
                    response = await client.get(url, timeout=2)
            except httpx.HTTPError:
                return None
            report: dict[str, Any] = response.json()
            checks = {k: v for k, v in report["checks"].items() if k not in ignore}
            return report if all(c["ok"] for c in checks.values()) else None

        return await until(check, timeout, "/healthz to report ok", interval=0.2)


@contextmanager
def services(settings: Settings, logs: Path, names: tuple[str, ...] = ALL) -> Iterator[RunningServices]:
    """Start the named services; stop them all afterwards."""
    running = RunningServices(settings, logs)
    try:
        for name in names:
            running.start(name)
        yield running
    finally:
        running.stop_all()


def load_demo(settings: Settings) -> None:
    """Run ``switchboard-dev demo`` as ``make run`` does: the demo team and its logins."""
    demo = subprocess.run(
        [sys.executable, "-m", "devstack.cli", "demo"],
        env={**settings_env(settings), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert demo.returncode == 0, demo.stderr
