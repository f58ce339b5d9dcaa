"""Shared fixtures: real PostgreSQL and Apache Kafka, started once per test session."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings as hypothesis_settings

from devstack.kafka import LocalKafka, ensure_kafka_jars
from devstack.ports import free_port
from devstack.postgres import LocalPostgres
from services.console import passwords
from services.settings import Settings
from tests.long_first import long_first
from tests.mail_servers import dovecot, mail_user, smtp_sink
from tests.topic_supply import TopicSupply

__all__ = ["dovecot", "mail_user", "smtp_sink"]  # fixtures shared by every test module

REPO_ROOT = Path(__file__).resolve().parents[1]

# No example is timed: on a machine shared with other work a deadline fails by chance, and speed is
# the benchmarks' to measure. A property's own settings still choose how many examples it runs.
hypothesis_settings.register_profile("switchboard", deadline=None)
hypothesis_settings.load_profile("switchboard")


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Accounts made by a test are hashed at scrypt's least cost, except in the tests of the hashing.

    Today's cost is a defence against a stolen table, worth a tenth of a second per login in production
    and minutes across the suite's thousands of accounts and logins. A hash carries its cost, so the
    services a test starts verify these at theirs.
    """
    unit = REPO_ROOT / "tests" / "unit" in request.node.path.parents
    if not unit and request.node.get_closest_marker("password_cost") is None:
        monkeypatch.setattr(passwords, "COST", {"n": 2**4, "r": 8, "p": 1})


@pytest.fixture(scope="session")
def kafka_jars() -> Path:
    """Apache Kafka's jars, fetched from Maven Central on the first run only."""
    return ensure_kafka_jars(Path(os.environ.get("SWITCHBOARD_CACHE_DIR") or REPO_ROOT / ".cache"))


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPostgres]:
    """A throwaway PostgreSQL cluster for the whole session."""
    server = LocalPostgres(tmp_path_factory.mktemp("postgres") / "data", free_port())
    server.start()
    yield server
    server.stop("immediate")


@pytest.fixture(scope="session")
def kafka(kafka_jars: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    """A single-node KRaft Apache Kafka broker for the whole session."""
    base = tmp_path_factory.mktemp("kafka")
    broker = LocalKafka(kafka_jars, base / "data", free_port(), log_file=base / "kafka.log")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def database(postgres: LocalPostgres) -> str:
    """A fresh, empty database for one test."""
    name = f"t_{secrets.token_hex(6)}"

    async def create() -> None:
        conn = await asyncpg.connect(postgres.url)
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()

    asyncio.run(create())
    return postgres.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def topic_supply(kafka: LocalKafka) -> Iterator[TopicSupply]:
    """Each test's topics, made ahead while the tests before it run."""
    template = Settings(kafka_bootstrap=kafka.bootstrap_servers, secret_key=secrets.token_urlsafe(24))
    with TopicSupply(template) as supply:
        yield supply


@pytest.fixture
def settings(database: str, kafka: LocalKafka, topic_supply: TopicSupply) -> Settings:
    """Settings for one test: its own database and its own topics."""
    return Settings(
        database_url=database,
        kafka_bootstrap=kafka.bootstrap_servers,
        topic_prefix=topic_supply.take(),
        secret_key=secrets.token_urlsafe(24),
        http_port=free_port(),
        webchat_port=free_port(),
        webhooks_port=free_port(),
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a service process these settings."""
    return settings.environment()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest tests (marked ``runs_long``) start first, side by side on the workers (``tests/long_first.py``)."""
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    marks = [item.get_closest_marker("runs_long") for item in items]
    seconds = [float(mark.args[0]) if mark is not None else None for mark in marks]
    items[:] = long_first(items, seconds, workers)
