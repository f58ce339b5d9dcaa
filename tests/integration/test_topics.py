"""Topics are created with the replication, min.insync.replicas and retention the settings and the code ask for."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from devstack.kafka import LocalKafka
from services.settings import ConfigurationError, Settings
from services.topics import (
    DOMAIN_EVENTS_RETENTION_MS,
    INBOUND_RETENTION_MS,
    OUTBOUND_RETENTION_MS,
    Topics,
    TopicsNotReady,
    create_topics,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
WAIT = 30.0


def fresh(kafka: LocalKafka, replicas: int = 1, min_insync: int = 1) -> Settings:
    return Settings(
        kafka_bootstrap=kafka.bootstrap_servers,
        topic_prefix=f"t{secrets.token_hex(5)}",
        topic_replication_factor=replicas,
        topic_min_insync_replicas=min_insync,
    )


async def describe(settings: Settings, names: list[str], also: tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
    """Each topic's retention.ms and min.insync.replicas (and ``also``) as the broker reports them, and its replicas."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        keys = dict.fromkeys(("retention.ms", "min.insync.replicas", *also))
        async with asyncio.timeout(WAIT):
            # A topic just created may be described before its configuration reached the broker answering:
            # it then comes back without entries, and is asked again.
            while True:
                resources = [ConfigResource(ConfigResourceType.TOPIC, n, keys) for n in names]
                responses = await admin.describe_configs(resources)
                found = {r[3]: {entry[0]: entry[1] for entry in r[4]} for resp in responses for r in resp.resources}
                if all(set(keys) <= set(found.get(n, {})) for n in names):
                    break
            described = await admin.describe_topics(names)
            while not all(t["partitions"] for t in described):  # a new topic's metadata reaches the broker
                described = await admin.describe_topics(names)
        for topic in described:
            found[topic["topic"]]["replicas"] = str(len(topic["partitions"][0]["replicas"]))
            found[topic["topic"]]["partitions"] = str(len(topic["partitions"]))
    finally:
        await admin.close()
    return found


def test_each_topic_gets_its_retention_partitions_and_replication(kafka: LocalKafka) -> None:
    settings = fresh(kafka)
    topics = asyncio.run(create_topics(settings))
    found = asyncio.run(describe(settings, [topics.inbound, topics.domain_events, topics.outbound]))
    assert found == {
        topics.inbound: {
            "retention.ms": str(INBOUND_RETENTION_MS),
            "min.insync.replicas": "1",
            "replicas": "1",
            "partitions": str(settings.inbound_partitions),
        },
        topics.domain_events: {
            "retention.ms": str(DOMAIN_EVENTS_RETENTION_MS),
            "min.insync.replicas": "1",
            "replicas": "1",
            "partitions": "1",
        },
        topics.outbound: {
            "retention.ms": str(OUTBOUND_RETENTION_MS),
            "min.insync.replicas": "1",
            "replicas": "1",
            "partitions": str(settings.outbound_partitions),
        },
    }
    assert DOMAIN_EVENTS_RETENTION_MS == -1  # rebuilds replay from offset zero


def test_topics_made_before_are_brought_in_line_and_a_second_run_changes_nothing(kafka: LocalKafka) -> None:
    settings = fresh(kafka)
    topics = Topics.named(settings.topic_prefix)
    asyncio.run(made_by_hand_with_a_day_of_retention(settings, topics.domain_events))
    asyncio.run(create_topics(settings))
    asyncio.run(create_topics(settings))

    found = asyncio.run(in_line(settings, topics))
    assert found[topics.inbound]["retention.ms"] == str(INBOUND_RETENTION_MS)
    # What ops set on a topic, and we do not, is kept.
    kept = asyncio.run(describe(settings, [topics.domain_events], ("max.message.bytes",)))
    assert kept[topics.domain_events]["max.message.bytes"] == "2000000"


def test_a_topic_the_brokers_list_does_not_show_yet_is_brought_in_line_all_the_same(
    kafka: LocalKafka, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fresh(kafka)
    topics = Topics.named(settings.topic_prefix)
    asyncio.run(made_by_hand_with_a_day_of_retention(settings, topics.domain_events))

    async def listed_before_it_was_made(_admin: AIOKafkaAdminClient) -> list[str]:
        return []  # as a broker answers whose metadata has not caught up with a topic made a moment ago

    with monkeypatch.context() as lagging:
        lagging.setattr(AIOKafkaAdminClient, "list_topics", listed_before_it_was_made)
        asyncio.run(create_topics(settings))
    asyncio.run(in_line(settings, topics))


async def made_by_hand_with_a_day_of_retention(settings: Settings, name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        topic = NewTopic(name, 1, 1, topic_configs={"retention.ms": "86400000", "max.message.bytes": "2000000"})
        await admin.create_topics([topic])
    finally:
        await admin.close()


async def in_line(settings: Settings, topics: Topics) -> dict[str, dict[str, str]]:
    """The topics as described once the domain events' retention is the product's (unlimited)."""
    # The broker applies a committed config change from its metadata log a moment after the answer.
    async with asyncio.timeout(WAIT):
        while True:
            found = await describe(settings, [topics.domain_events, topics.inbound])
            if found[topics.domain_events]["retention.ms"] == "-1":
                return found
            await asyncio.sleep(0.2)  # asked again a moment later, not in a loop that starves the broker


def test_more_replicas_than_brokers_is_refused_with_the_brokers_reason(kafka: LocalKafka) -> None:
    settings = fresh(kafka, replicas=3, min_insync=2)
    with pytest.raises(TopicsNotReady, match=rf"{settings.topic_prefix}\.inbound: .*[Rr]eplication factor"):
        asyncio.run(create_topics(settings))


def test_more_insync_replicas_than_replicas_is_a_configuration_error_before_kafka_is_asked() -> None:
    settings = Settings(kafka_bootstrap="127.0.0.1:1", topic_replication_factor=1, topic_min_insync_replicas=2)
    with pytest.raises(ConfigurationError, match="MIN_INSYNC_REPLICAS \\(2\\) exceeds"):
        asyncio.run(create_topics(settings))
