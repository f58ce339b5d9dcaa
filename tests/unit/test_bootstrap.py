"""The composition root builds every Kafka client and database pool; nothing else constructs one."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

from services.bootstrap import build_consumer
from services.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSITION_ROOT = Path("services/bootstrap.py")
# What opens a connection to Kafka or PostgreSQL when built (or started).
CLIENTS = {"AIOKafkaConsumer", "AIOKafkaProducer", "AIOKafkaAdminClient", "KafkaBroker", "create_pool"}


def clients_built(source: str, filename: str = "<source>") -> list[str]:
    """Every call in ``source`` that constructs a Kafka client or a pool, as ``file:line: name``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        called = node.func
        name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
        # create_pool counts only as asyncpg's: the composition root's own create_pool is how others get one.
        if name in CLIENTS and (name != "create_pool" or isinstance(called, ast.Attribute)):
            found.append(f"{filename}:{node.lineno}: {name}")
    return found


def product_files() -> list[Path]:
    return sorted(p for package in ("domain", "connectors", "services") for p in (REPO_ROOT / package).rglob("*.py"))


def test_only_the_composition_root_builds_kafka_clients_and_pools() -> None:
    files = product_files()
    assert len(files) > 50, "the product's packages were not found"
    built = [
        found
        for path in files
        if path.relative_to(REPO_ROOT) != COMPOSITION_ROOT
        for found in clients_built(path.read_text(), str(path.relative_to(REPO_ROOT)))
    ]
    assert built == [], "build these in services/bootstrap.py and take them from there"


def test_the_composition_root_does_build_them() -> None:
    built = clients_built((REPO_ROOT / COMPOSITION_ROOT).read_text())
    assert {line.rsplit(" ", 1)[1] for line in built} == CLIENTS


@pytest.mark.parametrize(
    "source",
    [
        "consumer = AIOKafkaConsumer(bootstrap_servers=b)",
        "import aiokafka\nproducer = aiokafka.AIOKafkaProducer(bootstrap_servers=b)",
        "admin = AIOKafkaAdminClient(bootstrap_servers=b)",
        "broker = KafkaBroker(b, logger=None)",
        "pool = await asyncpg.create_pool(url)",
    ],
)
def test_the_check_catches_a_client_built_by_hand(source: str) -> None:
    assert clients_built(source) != []


def test_the_check_lets_the_composition_roots_functions_be_called() -> None:
    assert clients_built("pool = await create_pool(settings)\nconsumer = build_consumer(settings)") == []


SETTINGS = Settings(kafka_bootstrap="127.0.0.1:9", database_url="postgresql://nowhere/none")


def consumer_options(*topics: str, **options: object) -> dict[str, object]:
    async def built() -> dict[str, object]:
        consumer = build_consumer(SETTINGS, *topics, **options)
        try:
            return {
                "group": consumer._group_id,
                "auto_commit": consumer._enable_auto_commit,
                "isolation": consumer._isolation_level,
                "reset": consumer._auto_offset_reset,
            }
        finally:
            await consumer.stop()  # never started: releases what the constructor made, connects nowhere

    return asyncio.run(built())


def test_a_consumer_never_commits_on_its_own_and_reads_from_the_start_by_default() -> None:
    assert consumer_options() == {
        "group": None,
        "auto_commit": False,
        "isolation": "read_uncommitted",
        "reset": "earliest",
    }


def test_a_consumer_can_be_of_a_group_start_at_the_end_and_read_only_what_was_committed() -> None:
    options = consumer_options("outbound", group="mail", start_at="latest", committed_only=True)
    assert options == {"group": "mail", "auto_commit": False, "isolation": "read_committed", "reset": "latest"}
