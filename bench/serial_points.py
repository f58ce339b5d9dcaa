"""``python -m bench.serial_points``: what each single point of the pipeline can pass, alone, on this machine.

event store: the router's batched writes (``receive_messages``), and the part of each batch spent
inside the insert, which holds the events table's EXCLUSIVE lock until commit; whatever the number of
routers, their inserts take turns, so messages per second of lock time is the store's ceiling.
outbox relay: the one relay publishing that backlog to a one-partition topic, as it publishes
domain-events. projections: the whole log replayed into a scratch schema by one consumer. Kafka: raw
produce and consume of the inbound payloads on one partition and on six.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from eventsourcing.persistence import ApplicationRecorder

from application.event_store import EventStore
from application.managers import register_manager
from application.receive_messages import receive_messages
from application.work_day import change_work_day
from bench import ceilings
from bench.cluster import Cluster
from bench.customers import plan
from bench.doors import inbound_message
from bench.replay import measure_replay
from services.bootstrap import build_event_store, build_producer, create_pool
from services.router.outbox import OutboxRelay
from services.settings import Settings
from services.topics import Topics, create_topics


@dataclass(frozen=True)
class Stored:
    """The event store's batched writes and the share of them under the table lock."""

    messages: int
    events: int
    seconds: float
    locked_seconds: float


def store_with_lock_time(settings: Settings, messages: int) -> Stored:
    """Store ``messages`` in router-sized batches, timing the inserts (lock to commit) apart."""
    store = build_event_store(settings)
    locked = [0.0]
    save = EventStore.save

    def timed_save(self: EventStore, *args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return save(self, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            locked[0] += time.perf_counter() - started

    try:
        for n in range(4):
            manager = register_manager(store, f"Manager {n}", f"m{n}@serial.example", 10_000_000, settings.team)
            change_work_day(store, manager, "start")
        recorder = store.recorder
        assert isinstance(recorder, ApplicationRecorder)
        first = recorder.max_notification_id() or 0
        inbound = [inbound_message(t) for t in plan(1, messages, None, "s-").touches]
        store.save = timed_save.__get__(store)  # type: ignore[method-assign]
        started = time.perf_counter()
        for at in range(0, len(inbound), settings.router_batch_size):
            receive_messages(store, inbound[at : at + settings.router_batch_size])
        seconds = time.perf_counter() - started
        events = (recorder.max_notification_id() or 0) - first
    finally:
        store.close()
    return Stored(messages, events, seconds, locked[0])


async def relay_rate(settings: Settings) -> tuple[int, float]:
    """Events the relay publishes per second from a stored backlog to a one-partition topic."""
    store = build_event_store(settings)
    pool = await create_pool(settings)
    producer = build_producer(settings)
    await producer.start()
    topics = Topics.named(settings.topic_prefix)
    try:
        relay = OutboxRelay(store, producer, pool, topics)
        position, published = 0, 0
        started = time.perf_counter()
        while (after := await relay.publish_after(position)) != position:
            published += after - position
            position = after
        return published, time.perf_counter() - started
    finally:
        await producer.stop()
        await pool.close()
        store.close()


async def _kafka(settings: Settings, partitions: int, messages: int) -> float:
    scratch = settings.model_copy(update={"inbound_partitions": partitions})
    return await ceilings.kafka_ceiling(scratch, plan(2, messages, None, "k-"), f"serial.kafka-{partitions}", 300)


async def _measure(cluster: Cluster, messages: int) -> None:
    settings = cluster.settings
    await create_topics(settings)
    for partitions in (1, 6):
        rate = await _kafka(settings, partitions, messages)
        print(f"raw Kafka, {partitions} partition(s): {rate:,.0f} msg/s")
    stored = await asyncio.to_thread(store_with_lock_time, settings, messages)
    share = stored.locked_seconds / stored.seconds
    print(
        f"event store: {stored.messages / stored.seconds:,.0f} msg/s ({stored.events / stored.seconds:,.0f} events/s)"
        f" with one writer; {share:.0%} of the time inside inserts under the table lock, so"
        f" {stored.messages / stored.locked_seconds:,.0f} msg/s ({stored.events / stored.locked_seconds:,.0f}"
        f" events/s) for any number of writers at most"
    )
    events, seconds = await relay_rate(settings)
    print(f"outbox relay: {events / seconds:,.0f} events/s ({events:,} events to one partition)")
    pool = await create_pool(settings)
    try:
        replayed, took = await measure_replay(pool)
    finally:
        await pool.close()
    print(f"projections (replay from the event store): {replayed / took:,.0f} events/s ({replayed:,} events)")


def main() -> None:
    """Start a scratch PostgreSQL and Kafka, measure each single point, print one line each."""
    parser = argparse.ArgumentParser(prog="python -m bench.serial_points", description=__doc__)
    parser.add_argument("--messages", type=int, default=4_000, help="inbound messages stored and relayed")
    args = parser.parse_args()
    cluster = Cluster("serial")
    cluster.start()
    try:
        asyncio.run(_measure(cluster, args.messages))
    finally:
        cluster.stop()
        cluster.remove()


if __name__ == "__main__":
    main()
