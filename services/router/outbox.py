"""The outbox relay: every stored event, in order, to the domain-events topic.

Replies bound for a channel also go to the outbound topic. The relay's
position is stored after Kafka acknowledged the batch, so a crash can only
republish (consumers skip notification ids they have seen), never skip.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from eventsourcing.persistence import ApplicationRecorder

from services.router.inbox import Inbox
from services.router.published import encode, public_event
from services.tables import ensure_tables
from services.topics import Topics

log = structlog.get_logger()

BATCH = 500
IDLE_POLL_SECONDS = 0.02
LEADER_LOCK = 0x5B0A_0001  # pg advisory lock key: one relay publishes at a time

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox_position (
    name text PRIMARY KEY,
    notification_id bigint NOT NULL
)
"""


class OutboxRelay:
    """Publishes the event store's notification log to Kafka."""

    def __init__(self, inbox: Inbox, producer: AIOKafkaProducer, pool: asyncpg.Pool, topics: Topics) -> None:
        self._inbox = inbox
        self._producer = producer
        self._pool = pool
        self._topics = topics
        recorder = inbox.recorder
        assert isinstance(recorder, ApplicationRecorder)
        self._recorder = recorder

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until ``stop`` is set; waits its turn while another relay leads."""
        await ensure_tables(self._pool, SCHEMA)
        async with self._pool.acquire() as leader:
            while not await leader.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK):
                if await _wait(stop, 1.0):
                    return
            log.info("outbox_relay_leading")
            position = (
                await leader.fetchval("SELECT notification_id FROM outbox_position WHERE name = 'domain-events'") or 0
            )
            while not stop.is_set():
                published = await self.publish_after(position)
                if published == position:
                    await _wait(stop, IDLE_POLL_SECONDS)
                    continue
                await leader.execute(
                    "INSERT INTO outbox_position (name, notification_id) VALUES ('domain-events', $1) "
                    "ON CONFLICT (name) DO UPDATE SET notification_id = EXCLUDED.notification_id",
                    published,
                )
                position = published

    async def publish_after(self, position: int) -> int:
        """Publish one batch of notifications after ``position``; return the new position."""
        notifications = await asyncio.to_thread(
            self._recorder.select_notifications, position, BATCH, inclusive_of_start=False
        )
        if not notifications:
            return position
        sends = []
        for notification in notifications:
            event = public_event(self._inbox, notification)
            headers = [("notification_id", str(notification.id).encode())]
            key = event["aggregate_id"].encode()
            sends.append(await self._producer.send(self._topics.domain_events, encode(event), key=key, headers=headers))
            notice = for_the_customer(event)
            if notice is not None:
                out_key = str(notice["conversation_id"]).encode()
                sends.append(
                    await self._producer.send(
                        self._topics.outbound, json.dumps(notice).encode(), key=out_key, headers=headers
                    )
                )
        await asyncio.gather(*sends)
        log.debug("outbox_published", up_to=notifications[-1].id, count=len(notifications))
        return notifications[-1].id


def for_the_customer(event: dict[str, Any]) -> dict[str, Any] | None:
    """What of an event goes out to the customer's channel: replies, and their place in a queue."""
    if event["type"] == "Conversation.OperatorReplied":
        return {"kind": "reply", **event["data"], "conversation_id": event["aggregate_id"]}
    if event["type"] == "Lead.Queued":
        data = event["data"]
        return {"kind": "queue_position", "conversation_id": data["conversation_id"], "position": data["position"]}
    return None


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``stop``; True if it was set."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True
