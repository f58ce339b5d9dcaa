"""Integration tests for devstack.kafka: a real single-node KRaft broker.

The first run downloads the broker jars with Maven into the cache directory
(``$SWITCHBOARD_CACHE_DIR`` or ``<repo>/.cache``); later runs reuse them.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from devstack.kafka import KafkaUnavailable, LocalKafka, ensure_kafka_jars
from devstack.ports import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aiokafka.structs import ConsumerRecord

pytestmark = pytest.mark.timeout(300)

REPO_ROOT = Path(__file__).resolve().parents[2]
TOPIC = "switchboard.test.events"
PARTITIONS = 3
WAIT_S = 60.0


@pytest.fixture(scope="module")
def kafka_jars() -> Path:
    """Broker jars, fetched by Maven on the first run only."""
    cache_dir = Path(os.environ.get("SWITCHBOARD_CACHE_DIR") or REPO_ROOT / ".cache")
    return ensure_kafka_jars(cache_dir)


@pytest.fixture
def kafka(kafka_jars: Path, tmp_path: Path) -> Iterator[LocalKafka]:
    """A broker (not yet started) on a free port, stopped after the test."""
    broker = LocalKafka(
        kafka_jars,
        tmp_path / "kafka",
        port=free_port(),
        log_file=tmp_path / "kafka.log",
    )
    try:
        yield broker
    finally:
        broker.stop()


async def _create_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


async def _describe(bootstrap: str, name: str) -> tuple[list[str], int]:
    """Return all topic names and the partition count of ``name``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = await admin.list_topics()
        (described,) = await admin.describe_topics([name])
    finally:
        await admin.close()
    assert described["error_code"] == 0, described
    return names, len(described["partitions"])


async def _produce(bootstrap: str, key: bytes, value: bytes) -> tuple[int, int]:
    """Produce one record to TOPIC; return its (partition, offset)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        metadata = await producer.send_and_wait(TOPIC, value=value, key=key)
    finally:
        await producer.stop()
    return metadata.partition, metadata.offset


async def _consume_one(bootstrap: str, group_id: str) -> ConsumerRecord[bytes, bytes]:
    """Join ``group_id`` on TOPIC from the earliest offset and return one record."""
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        record: ConsumerRecord[bytes, bytes] = await asyncio.wait_for(consumer.getone(), timeout=WAIT_S)
        await consumer.commit()
    finally:
        await consumer.stop()
    return record


def test_ensure_kafka_jars_is_idempotent(kafka_jars: Path) -> None:
    """A second call finds the complete jars directory without running Maven."""
    cache_dir = kafka_jars.parents[1]
    assert ensure_kafka_jars(cache_dir) == kafka_jars
    assert (kafka_jars / ".complete").is_file()
    assert any(kafka_jars.glob("kafka_2.13-4.*.jar"))


def test_create_topic_produce_and_consume(kafka: LocalKafka) -> None:
    """The broker serves admin, producer and consumer-group requests."""
    kafka.start()
    assert kafka.running
    bootstrap = kafka.bootstrap_servers
    assert bootstrap == f"127.0.0.1:{kafka.port}"

    asyncio.run(_create_topic(bootstrap, TOPIC, PARTITIONS))
    names, partitions = asyncio.run(_describe(bootstrap, TOPIC))
    assert TOPIC in names
    assert partitions == PARTITIONS

    partition, offset = asyncio.run(_produce(bootstrap, b"lead-1", b"hello"))
    record = asyncio.run(_consume_one(bootstrap, "test-group"))
    assert (record.key, record.value) == (b"lead-1", b"hello")
    assert (record.partition, record.offset) == (partition, offset)

    kafka.stop()
    assert not kafka.running


@pytest.mark.runs_long(60)
def test_restart_keeps_topics_and_records(kafka: LocalKafka) -> None:
    """Stopping (or killing) and starting again on the same data dir keeps data."""
    kafka.start()
    asyncio.run(_create_topic(kafka.bootstrap_servers, TOPIC, PARTITIONS))
    asyncio.run(_produce(kafka.bootstrap_servers, b"lead-2", b"persisted"))

    kafka.stop()
    assert not kafka.running
    kafka.start()
    names, partitions = asyncio.run(_describe(kafka.bootstrap_servers, TOPIC))
    assert TOPIC in names
    assert partitions == PARTITIONS
    record = asyncio.run(_consume_one(kafka.bootstrap_servers, "after-restart"))
    assert (record.key, record.value) == (b"lead-2", b"persisted")

    # An unclean crash: the node recovers its log on the next start.
    kafka.kill()
    assert not kafka.running
    kafka.start()
    names, partitions = asyncio.run(_describe(kafka.bootstrap_servers, TOPIC))
    assert TOPIC in names
    assert partitions == PARTITIONS
    record = asyncio.run(_consume_one(kafka.bootstrap_servers, "after-crash"))
    assert (record.key, record.value) == (b"lead-2", b"persisted")


def test_start_failure_raises_with_log_tail(kafka_jars: Path, tmp_path: Path) -> None:
    """A node that cannot start fails fast, quoting the JVM's error."""
    broker = LocalKafka(
        kafka_jars,
        tmp_path / "kafka",
        port=free_port(),
        overrides={"num.partitions": "not-a-number"},
    )
    with pytest.raises(KafkaUnavailable, match=r"num\.partitions"):
        broker.start(timeout=60)
    assert not broker.running
