"""Running Switchboard's services as separate processes for a test."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import asyncpg
import httpx

from bench.waiting import until
from devstack.processes import spawn, stop_together
from services.console.accounts import Role, add_account
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
        stop_together(self.processes.values())

    def log_tail(self, service: str, chars: int = 3000) -> str:
        path = self.logs / f"{service}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    async def healthy_except(self, *missing: str, timeout: float = 60.0) -> dict[str, object]:
        """Wait until every check but those of services deliberately not started is ok."""
        return await self.healthy(timeout, ignore=missing)

    async def healthy(self, timeout: float = 60.0, ignore: tuple[str, ...] = ()) -> dict[str, object]:
        """Wait until every check but those in ``ignore`` is ok; the report, as an admin reads it."""

        async def check() -> dict[str, object] | None:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    msg = f"{name} exited with {process.returncode}:\n{self.log_tail(name)}"
                    raise AssertionError(msg)
            try:
                report = await health_details(self.settings)
            except httpx.HTTPError:
                return None
            if report is None:
                return None
            checks = {k: v for k, v in report["checks"].items() if k not in ignore}
            return report if all(c["ok"] for c in checks.values()) else None

        return await until(check, timeout, "/healthz to report ok", interval=0.2)


HEALTH_ADMIN = "health-admin@switchboard.test"
_admin_tokens: dict[str, str] = {}


async def health_details(settings: Settings) -> dict[str, Any] | None:
    """/healthz with its details, as an admin reads it; None until the gateway answers.

    Strangers get only the status: the tests log in as an admin of their own, once per database.
    """
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        token = _admin_tokens.get(settings.database_url)
        if token is None:
            password = secrets.token_urlsafe(16)
            pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
            try:
                await add_account(
                    pool, HEALTH_ADMIN, uuid5(NAMESPACE_URL, HEALTH_ADMIN), "Health", Role.ADMIN, password
                )
            finally:
                await pool.close()
            answer = await http.post("/api/login", json={"email": HEALTH_ADMIN, "password": password}, timeout=10)
            if answer.status_code != httpx.codes.OK:
                return None
            token = _admin_tokens[settings.database_url] = answer.json()["token"]
        response = await http.get("/healthz", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    report: dict[str, Any] = response.json()
    if "checks" not in report:  # the session ended (a restarted database, say): log in again next time
        _admin_tokens.pop(settings.database_url, None)
        return None
    return report


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
