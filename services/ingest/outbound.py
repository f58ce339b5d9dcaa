"""Following the outbound topic: replies and notices for the customers connected here.

Every ingest instance reads every partition without a consumer group, since a
visitor's socket may be on any instance. It is positioned at the end of each
partition before the widget socket opens, so nothing published after a
visitor connects can be missed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer

log = structlog.get_logger()

Deliver = Callable[[dict[str, Any]], Awaitable[int]]


class OutboundFollower:
    """Reads the outbound topic from its current end and hands each record to ``deliver``."""

    def __init__(self, bootstrap: str, topic: str, deliver: Deliver) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, auto_offset_reset="latest"
        )
        self._topic = topic
        self._deliver = deliver

    async def start(self) -> None:
        """Connect and take position at the end of every partition."""
        await self._consumer.start()
        self._consumer.subscribe([self._topic])  # without a group: every partition, here
        while not self._consumer.assignment():  # polling lets the consumer learn the partitions
            for records in (await self._consumer.getmany(timeout_ms=100)).values():
                for record in records:
                    await self._handle(record.value, record.partition, record.offset)
        for partition in self._consumer.assignment():
            # Resolving the position now fixes it at the current end, before any visitor connects.
            await self._consumer.position(partition)

    async def run(self) -> None:
        """Deliver records until cancelled; a malformed record is logged and skipped."""
        async for record in self._consumer:
            await self._handle(record.value, record.partition, record.offset)

    async def _handle(self, value: bytes | None, partition: int, offset: int) -> None:
        try:
            outbound = json.loads(value or b"")
        except ValueError:
            log.warning("outbound_unreadable", partition=partition, offset=offset)
            return
        await self._deliver(outbound)

    async def stop(self) -> None:
        """Disconnect."""
        await self._consumer.stop()
