"""The outbox relay: every stored event, in order, to the domain-events topic.

Replies bound for a channel also go to the outbound topic. The relay's
position is stored after Kafka acknowledged the batch, so a crash can only
republish (consumers skip notification ids they have seen), never skip.
"""

from __future__ import annotations

import asyncio
import json

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from eventsourcing.persistence import ApplicationRecorder
from faststream.kafka import KafkaBroker

from application.event_store import EventStore
from domain.outbound import (
    QUEUE_POSITION,
    REPLY,
    InvalidOutboundMessage,
    OutboundMessage,
    OutboundReply,
    QueuePosition,
)
from domain.published_event import PublishedEvent
from services.dead_letters import OUTBOX_RELAY, Failure, create_dead_letters, set_aside
from services.record_shapes import EventRecord, OutboundRecord
from services.router.published import encode, stored_public_event
from services.tables import ensure_tables
from services.topics import Topics

log = structlog.get_logger()

BATCH = 500
IDLE_POLL_SECONDS = 0.02
# The event's type, readable without decoding the record: the router's queue reactions skip most by it.
TYPE_HEADER = "type"
LEADER_LOCK = 0x5B0A_0001  # pg advisory lock key: one relay publishes at a time
# Under the producer's and the broker's 1 MiB record limit, with room for headers and framing.
MAX_EVENT_BYTES = 900 * 1024

TABLES = """
CREATE TABLE IF NOT EXISTS outbox_position (
    name text PRIMARY KEY,
    notification_id bigint NOT NULL
)
"""


class OutboxRelay:
    """Publishes the event store's notification log to Kafka."""

    def __init__(self, store: EventStore, producer: AIOKafkaProducer, pool: asyncpg.Pool, topics: Topics) -> None:
        self._events = store
        self._producer = producer
        self._pool = pool
        self._topics = topics
        recorder = store.recorder
        assert isinstance(recorder, ApplicationRecorder)
        self._recorder = recorder

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until ``stop`` is set; waits its turn while another relay leads."""
        await ensure_tables(self._pool, TABLES)
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
            event = stored_public_event(notification)
            headers = [("notification_id", str(notification.id).encode()), (TYPE_HEADER, event.type.encode())]
            key = str(event.aggregate_id).encode()
            try:
                payload = encode(event)
                problem = None
            except ValueError as error:  # text no UTF-8 can carry (a lone surrogate) that got past every edge
                payload = json.dumps(event.to_dict(), default=str).encode()
                problem = error
            if problem is None and len(payload) > MAX_EVENT_BYTES:
                problem = ValueError(
                    f"the event is {len(payload)} bytes; a domain-events record holds {MAX_EVENT_BYTES}"
                )
            if problem is not None:
                payload = await self._withhold(event, key, payload, problem)
            sends.append(await self._producer.send(self._topics.domain_events, payload, key=key, headers=headers))
            # Of a withheld event nothing goes to the customer either.
            notice = _notice(event) if problem is None else None
            if notice is not None:
                out_key = str(notice.conversation_id).encode()
                value = json.dumps(notice.to_dict()).encode()
                sends.append(await self._producer.send(self._topics.outbound, value, key=out_key, headers=headers))
        await asyncio.gather(*sends)
        log.debug("outbox_published", up_to=notifications[-1].id, count=len(notifications))
        return notifications[-1].id

    async def _withhold(self, event: PublishedEvent, key: bytes, payload: bytes, error: ValueError) -> bytes:
        """Keep an event no Kafka record can carry as a dead letter; publish a stand-in in its place.

        Without it the relay would try the same event forever and nothing after it would reach
        anyone; with it the log goes on, in order, and the letter can be applied once looked at.
        """
        record = ConsumerRecord(
            topic=self._topics.domain_events,
            partition=0,
            offset=event.notification_id,
            timestamp=0,
            timestamp_type=0,
            key=key,
            value=payload,
            checksum=None,
            serialized_key_size=len(key),
            serialized_value_size=len(payload),
            headers=(),
        )
        await create_dead_letters(self._pool)  # rare enough to check here rather than on every start
        letter_id = await set_aside(self._pool, OUTBOX_RELAY, record, Failure.of(error))
        log.error(
            "event_withheld",
            letter_id=letter_id,
            notification_id=event.notification_id,
            type=event.type,
            aggregate_id=str(event.aggregate_id),
            size=len(payload),
        )
        return encode(event.stand_in())


def for_the_customer(event: PublishedEvent) -> OutboundMessage | None:
    """What of an event goes out to the customer's channel: replies, and their place in a queue.

    Raises InvalidOutboundMessage for an event whose reply no channel could deliver.
    """
    if event.type == "Conversation.OperatorReplied":
        conversation_id = str(event.aggregate_id)
        return OutboundReply.from_dict({**event.data, "kind": REPLY, "conversation_id": conversation_id})
    if event.type == "Lead.Queued":
        return QueuePosition.from_dict({"kind": QUEUE_POSITION, **event.data})
    return None


def _notice(event: PublishedEvent) -> OutboundMessage | None:
    try:
        return for_the_customer(event)
    except InvalidOutboundMessage:
        # The event itself is stored and published; only what no channel could deliver stays back.
        log.exception(
            "outbound_withheld",
            notification_id=event.notification_id,
            type=event.type,
            aggregate_id=str(event.aggregate_id),
        )
        return None


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``stop``; True if it was set."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True


def declare_publishers(broker: KafkaBroker, topics: Topics) -> None:
    """Declare on ``broker`` what the relay writes, so that the topics' AsyncAPI document shows it.

    The relay sends through its own producer, awaiting a batch's records together; these
    publishers send nothing themselves, they carry each topic's record into the document.
    """
    broker.publisher(
        topics.domain_events,
        description=(
            "Every stored event, in the event store's order, written by the router's outbox relay;"
            " the projections build the read models from it. Header notification_id: the event's place."
        ),
        schema=EventRecord,
    )
    broker.publisher(
        topics.outbound,
        description=(
            "Operators' replies and queue places for the customers' channels, written by the router's"
            " outbox relay; read by every ingest instance (the widget) and the mail reply queue's group."
        ),
        schema=OutboundRecord,
    )
