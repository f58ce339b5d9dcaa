"""The Kafka topics Switchboard uses, and their explicit creation."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from services.settings import Settings

# One partition keeps the published domain events in the event store's own
# total order; projections rely on it to apply events as they happened.
DOMAIN_EVENTS_PARTITIONS = 1


@dataclass(frozen=True)
class Topics:
    """Topic names, all under one prefix."""

    inbound: str
    domain_events: str
    outbound: str

    @classmethod
    def named(cls, prefix: str) -> Topics:
        """The topics under ``prefix``."""
        return cls(
            inbound=f"{prefix}.inbound",
            domain_events=f"{prefix}.domain-events",
            outbound=f"{prefix}.outbound",
        )


async def create_topics(settings: Settings) -> Topics:
    """Create every topic with its partitions; existing topics are left as they are."""
    topics = Topics.named(settings.topic_prefix)
    wanted = [
        NewTopic(topics.inbound, settings.inbound_partitions, 1),
        NewTopic(topics.domain_events, DOMAIN_EVENTS_PARTITIONS, 1),
        NewTopic(topics.outbound, settings.outbound_partitions, 1),
    ]
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another process made them first
                await admin.create_topics(missing)
    finally:
        await admin.close()
    return topics
