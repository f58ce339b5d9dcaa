"""How far each stage of the pipeline has got, read from its own stored position.

published: records on the inbound topic (end offsets); consumed: the router's
committed offsets (it commits after storing); stored: the event store's last
notification id; relayed: the outbox relay's position; projected: the live
read models' position.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from bench.waiting import TimedOut, until
from services.projections.schema import LIVE_SCHEMA
from services.projections.tracking import load_position
from services.router.service import CONSUMER_GROUP
from services.settings import Settings
from services.topics import Topics

EVENTS_TABLE = "switchboard_events"
READ_TIMEOUT_SECONDS = 5.0
UNAVAILABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError, TimeoutError)


@dataclass(frozen=True)
class Positions:
    """Every stage's position at one moment (``at`` is time.monotonic())."""

    at: float
    published: int
    consumed: int
    stored: int
    relayed: int
    projected: int


class InboundOffsets:
    """How many records the inbound topic holds, and how many of them the router has committed."""

    def __init__(self, settings: Settings) -> None:
        topic = Topics.named(settings.topic_prefix).inbound
        self._partitions = [TopicPartition(topic, p) for p in range(settings.inbound_partitions)]
        self._admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None)

    async def start(self) -> None:
        """Connect to Kafka."""
        await self._admin.start()
        await self._consumer.start()

    async def stop(self) -> None:
        """Disconnect from Kafka."""
        await self._consumer.stop()
        await self._admin.close()

    async def offsets(self) -> tuple[int, int]:
        """(published, consumed): records on the topic, and records the router's group has committed."""
        ends = await self._consumer.end_offsets(self._partitions)
        committed = await self._admin.list_consumer_group_offsets(CONSUMER_GROUP, partitions=self._partitions)
        return sum(ends.values()), sum(max(c.offset, 0) for c in committed.values())


class Watcher(InboundOffsets):
    """Reads the stages' positions; waits on them with deadlines."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool) -> None:
        super().__init__(settings)
        self._pool = pool

    async def read(self) -> Positions:
        """Every stage's position now."""
        async with asyncio.timeout(READ_TIMEOUT_SECONDS):
            published, consumed = await self.offsets()
            stored = await self._pool.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}")
            try:
                relayed = await self._pool.fetchval(
                    "SELECT notification_id FROM outbox_position WHERE name = 'domain-events'"
                )
            except asyncpg.UndefinedTableError:
                relayed = 0
            projected = (await load_position(self._pool, LIVE_SCHEMA)).notification_id
        return Positions(
            at=time.monotonic(),
            published=published,
            consumed=consumed,
            stored=stored,
            relayed=relayed or 0,
            projected=projected,
        )

    async def try_read(self) -> Positions | None:
        """The positions, or None while Kafka or PostgreSQL cannot answer."""
        try:
            return await self.read()
        except UNAVAILABLE:
            return None

    async def drained(self, within: float, interval: float = 0.05) -> Positions:
        """Wait until the router consumed all published and every stage reached the stored end."""

        latest: list[Positions | None] = [None]

        async def consumed() -> Positions | None:
            p = latest[0] = await self.try_read()
            return p if p and p.consumed >= p.published else None

        try:
            first = await until(consumed, within, "the router to consume every inbound record", interval)
        except TimedOut as error:
            raise TimedOut(f"{error}; positions: {latest[0]}") from None

        target = first.stored

        async def projected() -> Positions | None:
            p = latest[0] = await self.try_read()
            return p if p and p.projected >= target and p.relayed >= target else None

        try:
            return await until(projected, within, f"the read models to reach notification {target}", interval)
        except TimedOut as error:
            raise TimedOut(f"{error}; positions: {latest[0]}") from None
