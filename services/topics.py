"""The Kafka topics Switchboard uses, and their explicit creation with replication and retention.

Replication (``SWITCHBOARD_TOPIC_REPLICATION_FACTOR``) and the copies a write needs
(``SWITCHBOARD_TOPIC_MIN_INSYNC_REPLICAS``) come from the settings: 1 and 1 on the local single
broker, 3 and 2 in production, where producers write with ``acks=all`` and so survive one broker
down without losing an acknowledged record. Retention is chosen per topic, for what each one is
for (see the README's topics table).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError, for_code

from services.bootstrap import build_admin
from services.settings import ConfigurationError, Settings

# One partition keeps the published domain events in the event store's own
# total order; projections rely on it to apply events as they happened.
DOMAIN_EVENTS_PARTITIONS = 1

DAY_MS = 24 * 3600 * 1000
FOREVER = -1
# Inbound is the buffer between ingest and the router, which commits only after storing a batch:
# a week lets a router that was down over a long weekend catch up; what it stored is in the event store.
INBOUND_RETENTION_MS = 7 * DAY_MS
# Domain events are kept for good, though nothing depends on it: replay reads the event store. Compaction
# would drop all but an aggregate's last event, so it is time that is unlimited.
DOMAIN_EVENTS_RETENTION_MS = FOREVER
# Replies wait here for the mail sender's group and for the ingest holding the visitor's socket; a
# reply undelivered after a week is stale, and the conversation in the event store still shows it.
OUTBOUND_RETENTION_MS = 7 * DAY_MS
# Delivery outcomes wait here for the router, which records them on their conversations.
DELIVERY_REPORTS_RETENTION_MS = 7 * DAY_MS
# Call events wait here for the router, which records each call's facts once; as inbound, a week.
CALLS_RETENTION_MS = 7 * DAY_MS
DYNAMIC_TOPIC_CONFIG = 1  # the config source of a setting made for the topic itself
DESCRIBE_ATTEMPTS = 100  # 5 s in all: a topic's configuration reaches the broker a moment after it is made
DESCRIBE_PAUSE_SECONDS = 0.05


class TopicsNotReady(RuntimeError):
    """The broker refused to create or configure a topic; the message names the topic and the reason."""


@dataclass(frozen=True)
class Topics:
    """Topic names, all under one prefix."""

    inbound: str
    domain_events: str
    outbound: str
    delivery_reports: str
    calls: str

    @classmethod
    def named(cls, prefix: str) -> Topics:
        """The topics under ``prefix``."""
        return cls(
            inbound=f"{prefix}.inbound",
            domain_events=f"{prefix}.domain-events",
            outbound=f"{prefix}.outbound",
            delivery_reports=f"{prefix}.delivery-reports",
            calls=f"{prefix}.calls",
        )


@dataclass(frozen=True)
class TopicSpec:
    """One topic as it should be: partitions, replicas and its configuration."""

    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """Every topic with its partitions, replication and retention, as ``settings`` ask."""
    replicas, min_insync = settings.topic_replication_factor, settings.topic_min_insync_replicas
    if min_insync > replicas:
        msg = (
            f"SWITCHBOARD_TOPIC_MIN_INSYNC_REPLICAS ({min_insync}) exceeds SWITCHBOARD_TOPIC_REPLICATION_FACTOR"
            f" ({replicas}): no write could ever be acknowledged"
        )
        raise ConfigurationError(msg)
    topics = Topics.named(settings.topic_prefix)

    def spec(name: str, partitions: int, retention_ms: int) -> TopicSpec:
        configs = {"min.insync.replicas": str(min_insync), "retention.ms": str(retention_ms)}
        return TopicSpec(name, partitions, replicas, configs)

    return [
        spec(topics.inbound, settings.inbound_partitions, INBOUND_RETENTION_MS),
        spec(topics.domain_events, DOMAIN_EVENTS_PARTITIONS, DOMAIN_EVENTS_RETENTION_MS),
        spec(topics.outbound, settings.outbound_partitions, OUTBOUND_RETENTION_MS),
        spec(topics.delivery_reports, settings.outbound_partitions, DELIVERY_REPORTS_RETENTION_MS),
        spec(topics.calls, settings.inbound_partitions, CALLS_RETENTION_MS),
    ]


async def create_topics(settings: Settings) -> Topics:
    """Create every missing topic; bring the retention and min.insync.replicas of existing ones in line.

    Partitions and replication of an existing topic are left as they are (changing them moves data
    and is an operator's decision). Raises TopicsNotReady naming the topic when the broker refuses.
    """
    specs = topic_specs(settings)
    admin = build_admin(settings)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            wanted = [NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.configs) for s in missing]
            response = await admin.create_topics(wanted)
            results = [(t[0], t[1], t[2] if len(t) > 2 else None) for t in response.topic_errors]  # noqa: PLR2004
            _raise_refusals("create", results)
            # A topic the broker's list did not show yet (made a moment ago, by another process or by
            # hand) is there all the same: it is brought in line like any other.
            existing |= {name for name, code, _ in results if code == TopicAlreadyExistsError.errno}
        present = [s for s in specs if s.name in existing]
        if present:
            current = await _dynamic_configs(admin, [s.name for s in present])
            # AlterConfigs replaces a topic's whole dynamic configuration: what ops set there is sent
            # back with ours on top, and a topic already in line is not touched at all.
            resources = [
                ConfigResource(ConfigResourceType.TOPIC, s.name, {**current.get(s.name, {}), **s.configs})
                for s in present
                if any(current.get(s.name, {}).get(k) != v for k, v in s.configs.items())
            ]
            if resources:
                responses = await admin.alter_configs(resources)
                _raise_refusals("configure", [(r[3], r[0], r[1]) for resp in responses for r in resp.resources])
    finally:
        await admin.close()
    return Topics.named(settings.topic_prefix)


async def _dynamic_configs(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, str]]:
    """Each topic's own settings (not the broker's defaults), as the broker reports them.

    A topic made a moment ago may be described before its configuration reached the broker, without
    a single entry; sent back as it is, its own settings would be lost, so it is asked again.
    """
    for _ in range(DESCRIBE_ATTEMPTS):
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n, None) for n in names])
        if all(resource[4] for response in responses for resource in response.resources):
            break
        await asyncio.sleep(DESCRIBE_PAUSE_SECONDS)
    else:
        msg = "Kafka did not describe the configuration of " + ", ".join(names) + "; try again"
        raise TopicsNotReady(msg)
    found: dict[str, dict[str, str]] = {}
    for response in responses:
        for resource in response.resources:
            entries = found.setdefault(resource[3], {})
            for entry in resource[4]:
                name, value, source = entry[0], entry[1], entry[3]
                # Version 0 answers "is default"; later ones the source, 1 being the topic's own.
                own = not source if isinstance(source, bool) else source == DYNAMIC_TOPIC_CONFIG
                if own and value is not None:
                    entries[name] = value
    return found


def _raise_refusals(action: str, results: list[tuple[str, int, str | None]]) -> None:
    """Raise TopicsNotReady for every (topic, error code, message) that is an error.

    A topic that another process created meanwhile is not one.
    """
    refused = [
        f"{topic}: {message or for_code(code).__name__}"
        for topic, code, message in results
        if code not in (0, TopicAlreadyExistsError.errno)
    ]
    if refused:
        msg = f"Kafka refused to {action} topics: " + "; ".join(refused)
        raise TopicsNotReady(msg)
