"""The long poll's checkpoint survives SIGKILL: ingest killed again and again while a community's events
arrive, and every event is stored once, none lost, none doubled."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from aiokafka import TopicPartition

from bench.waiting import until
from devstack.vk import LocalVk
from devstack.vk_events import message_new
from services.bootstrap import build_consumer
from services.settings import Settings
from services.topics import Topics
from tests.services_running import RunningServices, services
from tests.vk_harness import GROUP, TOKEN, with_community

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

EVENTS = 400
KILLS = 4
CUSTOMERS = 20


def test_long_poll_events_are_stored_once_through_ingest_sigkills(settings: Settings, tmp_path: Path) -> None:
    vk = LocalVk()
    vk.community(GROUP, TOKEN)
    vk.users.update({1000 + n: ("Customer", str(n)) for n in range(CUSTOMERS)})
    with vk.running():
        polling = with_community(settings, vk, mode="longpoll", secret="", confirmation="")
        polling = polling.model_copy(update={"vk_longpoll_wait_seconds": 1})
        with services(polling, tmp_path / "logs", ("ingest", "router")) as running:
            asyncio.run(through_kills(polling, running, vk))


async def through_kills(settings: Settings, running: RunningServices, vk: LocalVk) -> None:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        await until(lambda: checkpoint(pool), 60, "the long poll to save its first checkpoint")
        batch = EVENTS // (KILLS + 1)
        for kill in range(KILLS + 1):
            first = kill * batch
            for n in range(first, first + batch, 10):
                vk.push(GROUP, *(message_new(GROUP, m, 1000 + m % CUSTOMERS, f"message {m}") for m in range(n, n + 10)))
            if kill < KILLS:
                # Killed while it takes the batch in: some of it published, its checkpoint not yet saved.
                await until(lambda first=first: stored(pool, more_than=first), 60, "ingest to take part of the batch")
                running.kill("ingest")
                running.start("ingest")
        count, distinct = await until(lambda: stored(pool, more_than=EVENTS - 1), 120, "every event to be stored")
        assert (count, distinct) == (EVENTS, EVENTS)
        await until(lambda: checkpoint(pool, equal_to=str(EVENTS)), 60, "the checkpoint to reach the end")
        published = await inbound_records(settings)
        assert published >= EVENTS
        print(f"{published - EVENTS} events published again after a kill, stored once")
    finally:
        await pool.close()


async def inbound_records(settings: Settings) -> int:
    consumer = build_consumer(settings)
    await consumer.start()
    try:
        topic = Topics.named(settings.topic_prefix).inbound
        partitions = [TopicPartition(topic, p) for p in range(settings.inbound_partitions)]
        ends = await consumer.end_offsets(partitions)
        return sum(ends.values())
    finally:
        await consumer.stop()


async def stored(pool: asyncpg.Pool, more_than: int) -> tuple[int, int] | None:
    if await pool.fetchval("SELECT to_regclass('switchboard_events')") is None:
        return None  # the router has not made the event store yet
    row = await pool.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT convert_from(state, 'UTF8')::jsonb ->> 'channel_message_id') AS ids"
        " FROM switchboard_events WHERE topic LIKE '%Conversation.CustomerWrote'"
    )
    if row is None or row["n"] <= more_than:
        return None
    return row["n"], row["ids"]


async def checkpoint(pool: asyncpg.Pool, equal_to: str | None = None) -> str | None:
    if await pool.fetchval("SELECT to_regclass('vk_checkpoints')") is None:
        return None
    value = await pool.fetchval("SELECT ts FROM vk_checkpoints WHERE community = 'shop'")
    if value is None or (equal_to is not None and value != equal_to):
        return None
    return str(value)
