"""A PostgreSQL and an Apache Kafka of the run's own, in a scratch directory, on free ports."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any, Self

from pydantic import SecretStr

from devstack.kafka import LocalKafka, ensure_kafka_jars
from devstack.ports import free_port
from devstack.postgres import LocalPostgres
from services.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]

# Every simulated visitor of a run connects from 127.0.0.1: the limits per client address, which hold
# strangers off in production, would refuse the load itself. Per visitor they stay as configured.
LOAD_FROM_ONE_ADDRESS: dict[str, Any] = {
    "webchat_max_sockets_per_address": 100_000,
    "webchat_max_unauthenticated_per_address": 100_000,
    "console_max_pending_sockets": 100_000,
    "widget_new_visitor_burst": 100_000,
}


class Cluster:
    """Own database and broker for one bench or chaos run; stoppable and restartable for faults."""

    def __init__(self, name: str, workdir: Path | None = None, *, log_level: str = "info") -> None:
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix=f"switchboard-{name}-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.logs = self.workdir / "logs"
        cache = Path(os.environ.get("SWITCHBOARD_CACHE_DIR") or REPO_ROOT / ".cache")
        self.postgres = LocalPostgres(self.workdir / "postgres", free_port())
        self.kafka = LocalKafka(
            ensure_kafka_jars(cache), self.workdir / "kafka", free_port(), log_file=self.logs / "kafka.log"
        )
        self.settings = Settings(
            database_url=self.postgres.url,
            kafka_bootstrap=self.kafka.bootstrap_servers,
            topic_prefix=name,
            secret_key=SecretStr(secrets.token_urlsafe(24)),
            http_port=free_port(),
            webchat_port=free_port(),
            webhooks_port=free_port(),
            log_level=log_level,
            **LOAD_FROM_ONE_ADDRESS,
        )

    def start(self) -> None:
        """Start PostgreSQL and Kafka."""
        self.postgres.start()
        self.kafka.start()

    def stop(self) -> None:
        """Stop both; safe to call twice."""
        self.kafka.stop()
        self.postgres.stop("immediate")

    def remove(self) -> None:
        """Delete the scratch directory (after ``stop``)."""
        shutil.rmtree(self.workdir, ignore_errors=True)

    def env(self) -> dict[str, str]:
        """The environment that gives a service process these settings."""
        return self.settings.environment()

    def database_url(self, database: str) -> str:
        """The URL of another database on the same server."""
        return self.postgres.url.rsplit("/", 1)[0] + f"/{database}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
