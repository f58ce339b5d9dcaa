"""Service processes, played as a supervisor would: a service that exits is started again."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import httpx

from devstack.processes import spawn, stop

SERVICES = ("ingest", "router", "projections", "gateway")
RESTART_BACKOFF_SECONDS = 0.5


class ServiceExited(RuntimeError):
    """A service exited while the run needed it to be up."""


class Supervisor:
    """Starts the services, kills them on request, restarts the ones that exit."""

    def __init__(self, env: dict[str, str], logs: Path, console_url: str) -> None:
        self._env = env
        self._logs = logs
        self._console_url = console_url
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.kills: Counter[str] = Counter()
        self.restarts: Counter[str] = Counter()
        self._exited_at: dict[str, float] = {}

    def start(self, service: str) -> None:
        """Start one service as its own process."""
        self.processes[service] = spawn(service, self._env, self._logs / f"{service}.log")

    def start_all(self) -> None:
        """Start every service."""
        for service in SERVICES:
            self.start(service)

    def kill(self, service: str) -> None:
        """SIGKILL one service; ``reap`` starts it again."""
        process = self.processes[service]
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
        self.kills[service] += 1

    def restart(self, service: str) -> None:
        """Stop one service cleanly and start it again."""
        stop(self.processes[service])
        self.start(service)

    def pid(self, service: str) -> int:
        """The process id of a running service."""
        return self.processes[service].pid

    def reap(self) -> None:
        """Start again every service that has exited (after a short back-off, so a crash loop idles)."""
        now = time.monotonic()
        for service, process in list(self.processes.items()):
            if process.poll() is None:
                continue
            since = self._exited_at.setdefault(service, now)
            if now - since >= RESTART_BACKOFF_SECONDS:
                del self._exited_at[service]
                self.start(service)
                self.restarts[service] += 1

    async def watch(self, stop_watching: asyncio.Event, interval: float = 0.1) -> None:
        """Reap until ``stop_watching`` is set."""
        while not stop_watching.is_set():
            self.reap()
            try:
                await asyncio.wait_for(stop_watching.wait(), interval)
            except TimeoutError:
                continue

    def require_running(self) -> None:
        """Raise ServiceExited, with the log's tail, if any service has exited."""
        for service, process in self.processes.items():
            if process.poll() is not None:
                msg = f"{service} exited with {process.returncode}:\n{self.log_tail(service)}"
                raise ServiceExited(msg)

    def log_tail(self, service: str, chars: int = 3000) -> str:
        """The end of a service's log."""
        path = self._logs / f"{service}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    async def healthy(self, within: float = 90.0, *, supervise: bool = False) -> None:
        """Wait until /healthz reports every dependency and service ok."""
        deadline = time.monotonic() + within
        last: object = None
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if supervise:
                    self.reap()
                else:
                    self.require_running()
                try:
                    response = await client.get(f"{self._console_url}/healthz", timeout=2)
                    last = response.json()
                    if response.status_code == httpx.codes.OK:
                        return
                except (httpx.HTTPError, ValueError) as error:
                    last = error
                await asyncio.sleep(0.2)
        msg = f"services not healthy after {within:.0f}s; last /healthz: {last}"
        raise ServiceExited(msg)

    def stop_all(self) -> None:
        """SIGTERM every service (SIGKILL after a grace period)."""
        for process in self.processes.values():
            stop(process, timeout=10)
