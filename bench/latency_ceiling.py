"""The ceiling of publish -> push latency on this machine: one raw Kafka round trip at the same rate.

The plan's messages are produced with ingest's producer settings (acks=all) at the plan's pace
to a fresh topic, each stamped as it is sent, and read back by a plain consumer; the time
from the stamp to the read is the round trip. The pipeline takes two such hops (inbound,
domain events) with PostgreSQL between them, so its latency is a multiple of this one.
"""

from __future__ import annotations

import asyncio
import struct
import time

from bench.ceilings import raw_topic
from bench.customers import Plan
from bench.doors import inbound_message, pace, payload
from services.settings import Settings

STAMP = struct.Struct("!d")


async def kafka_round_trip(settings: Settings, plan: Plan, topic: str, within: float) -> list[float]:
    """Seconds from produce to consume of each of the plan's messages, sent at the plan's pace."""
    consumer, producer = await raw_topic(settings, topic)
    latencies: list[float] = []

    async def consume() -> None:
        while len(latencies) < len(plan.touches):
            for records in (await consumer.getmany(timeout_ms=200)).values():
                read = time.time()
                stamped = [r.value for r in records if r.value and len(r.value) > STAMP.size]  # not the warm-up's
                latencies.extend(read - STAMP.unpack(value[: STAMP.size])[0] for value in stamped)

    try:
        # A record to every partition first: a fresh topic's leaders are still being elected, and the
        # retries that costs are no part of a round trip.
        await asyncio.gather(
            *[
                await producer.send(topic, STAMP.pack(time.time()), partition=p)
                for p in range(settings.inbound_partitions)
            ]
        )
        reading = asyncio.create_task(consume())
        started = time.monotonic()
        sends = []
        for touch in plan.touches:
            await pace(started, touch.at)
            message = inbound_message(touch)
            stamped = STAMP.pack(time.time()) + payload(message)
            sends.append(await producer.send(topic, stamped, key=message.key.encode()))
        await asyncio.gather(*sends)
        await asyncio.wait_for(reading, within)
    finally:
        await producer.stop()
        await consumer.stop()
    return latencies
