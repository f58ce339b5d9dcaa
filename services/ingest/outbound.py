"""Following the outbound topic: replies and notices for the customers connected here.

Every ingest instance reads every partition without a consumer group, since a
visitor's socket may be on any instance. It is positioned at the end of each
partition before the widget socket opens, so nothing published after a
visitor connects can be missed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import asyncpg
import structlog
from aiokafka.structs import ConsumerRecord

from domain.channels import Channel
from domain.outbound import OutboundMessage, bound_for, outbound_from_dict
from services.bootstrap import build_consumer
from services.dead_letters import WEBCHAT_REPLIES, Failure, create_dead_letters, log_set_aside, set_aside
from services.settings import Settings

log = structlog.get_logger()

Deliver = Callable[[OutboundMessage], Awaitable[int]]
# What a record can make delivery fail with by itself: not JSON, or a field missing or of the wrong kind.
RECORD_ERRORS: tuple[type[Exception], ...] = (KeyError, ValueError, TypeError, AttributeError, RecursionError)
UNAVAILABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


class OutboundFollower:
    """Reads the outbound topic from its current end and hands each record for the widget to ``deliver``.

    A record that cannot be read or delivered is set aside as a dead letter (when a pool is given,
    else only logged) and the records after it are delivered. It is not tried again here: it may
    have reached some of the visitor's sockets already, and a second try could show it twice.
    """

    def __init__(self, settings: Settings, topic: str, deliver: Deliver, pool: asyncpg.Pool | None = None) -> None:
        self._consumer = build_consumer(settings, start_at="latest")
        self._topic = topic
        self._deliver = deliver
        self._pool = pool

    async def start(self) -> None:
        """Connect and take position at the end of every partition."""
        if self._pool is not None:
            await create_dead_letters(self._pool)
        await self._consumer.start()
        self._consumer.subscribe([self._topic])  # without a group: every partition, here
        while not self._consumer.assignment():  # polling lets the consumer learn the partitions
            for records in (await self._consumer.getmany(timeout_ms=100)).values():
                for record in records:
                    await self.handle(record)
        for partition in self._consumer.assignment():
            # Resolving the position now fixes it at the current end, before any visitor connects.
            await self._consumer.position(partition)

    async def run(self) -> None:
        """Deliver records until cancelled; one that cannot be delivered is set aside."""
        async for record in self._consumer:
            await self.handle(record)

    async def handle(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """Deliver one record, or set it aside with the reason it could not be."""
        try:
            data = json.loads(record.value or b"")
            if bound_for(data) not in {None, Channel.WEBCHAT}:
                return  # a reply for another channel: checked, and set aside if need be, by its own consumer
            await self._deliver(outbound_from_dict(data))
        except RECORD_ERRORS as error:
            await self._set_aside(record, Failure.of(error))

    async def _set_aside(self, record: ConsumerRecord[bytes, bytes], failure: Failure) -> None:
        letter_id = None
        if self._pool is not None:
            try:
                letter_id = await set_aside(self._pool, WEBCHAT_REPLIES, record, failure)
            except UNAVAILABLE as error:
                # Deliveries after it matter more than keeping this one: it is logged below in full.
                log.warning("outbound_set_aside_not_stored", error=str(error) or type(error).__name__)
        log_set_aside(WEBCHAT_REPLIES, letter_id, record, failure)

    async def stop(self) -> None:
        """Disconnect."""
        await self._consumer.stop()
