"""Ways into the pipeline: straight onto the inbound topic as ingest publishes, or through the widget."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from bench.customers import Touch
from bench.progress import Progress
from domain.channels import Channel, ChannelAddress
from domain.inbound import InboundMessage
from services.bootstrap import build_producer
from services.settings import Settings
from services.topics import Topics

IN_FLIGHT = 2000
JSON_HEADER = [("content-type", b"application/json")]


def inbound_message(touch: Touch, source: str = "bench") -> InboundMessage:
    """The normalized message the web-chat connector would make of ``touch``, stamped now."""
    return InboundMessage(
        channel=Channel.WEBCHAT,
        channel_message_id=touch.channel_message_id,
        thread=touch.visitor,
        sender=ChannelAddress(Channel.WEBCHAT, touch.visitor),
        text=touch.text,
        received_at=datetime.now(tz=UTC),
        source=source,
    )


def payload(message: InboundMessage) -> bytes:
    """The inbound topic's record value for a message."""
    return json.dumps(message.to_dict()).encode()


async def pace(started: float, at: float) -> None:
    """Hold a fixed-rate sender until its touch's moment (pacing the load, not waiting for a result)."""
    delay = started + at - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


class InboundDoor:
    """Publishes messages to the inbound topic with ingest's producer settings (acks=all, idempotent)."""

    def __init__(self, settings: Settings) -> None:
        self._topic = Topics.named(settings.topic_prefix).inbound
        self._producer: AIOKafkaProducer = build_producer(settings)

    async def start(self) -> None:
        """Connect the producer."""
        await self._producer.start()

    async def stop(self) -> None:
        """Flush and disconnect."""
        await self._producer.stop()

    async def publish(self, touches: Iterable[Touch], *, paced: bool, progress: Progress | None = None) -> None:
        """Publish every touch (at its moment when ``paced``); returns when Kafka acknowledged all."""
        started = time.monotonic()
        waiting: list[asyncio.Future[object]] = []
        for touch in touches:
            if paced:
                await pace(started, touch.at)
            message = inbound_message(touch)
            waiting.append(
                await self._producer.send(self._topic, payload(message), key=message.key.encode(), headers=JSON_HEADER)
            )
            if len(waiting) >= IN_FLIGHT or paced:
                await asyncio.gather(*waiting)
                if progress:
                    progress.advance(len(waiting))
                waiting = []
        await asyncio.gather(*waiting)
        if progress:
            progress.advance(len(waiting))
