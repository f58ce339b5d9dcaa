"""A PostgreSQL and an Apache Kafka of the run's own, in a scratch directory, on free ports."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Self

from pydantic import SecretStr

from services.local.kafka import LocalKafka, ensure_kafka_jars
from services.local.ports import free_port
from services.local.postgres import LocalPostgres
from services.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]


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
            log_level=log_level,
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
        s = self.settings
        return {
            "SWITCHBOARD_DATABASE_URL": s.database_url,
            "SWITCHBOARD_KAFKA_BOOTSTRAP": s.kafka_bootstrap,
            "SWITCHBOARD_TOPIC_PREFIX": s.topic_prefix,
            "SWITCHBOARD_SECRET_KEY": s.secret_key.get_secret_value(),
            "SWITCHBOARD_HTTP_PORT": str(s.http_port),
            "SWITCHBOARD_WEBCHAT_PORT": str(s.webchat_port),
            "SWITCHBOARD_LOG_LEVEL": s.log_level,
        }

    def database_url(self, database: str) -> str:
        """The URL of another database on the same server."""
        return self.postgres.url.rsplit("/", 1)[0] + f"/{database}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
