"""An event too large for a Kafka record never stops the relay: it is kept as a letter, a stand-in keeps the order."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from application.event_store import EventStore
from application.managers import register_manager
from services.bootstrap import build_producer
from services.dead_letters import OUTBOX_RELAY, letters
from services.projections.schema import LIVE_SCHEMA
from services.redrive import redrive
from services.router.outbox import MAX_EVENT_BYTES, OutboxRelay
from services.settings import Settings
from services.topics import Topics
from tests.projected import follow_topic

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(120)]


async def test_an_event_too_large_for_the_log_is_withheld_and_the_log_goes_on(
    settings: Settings, store: EventStore, pool: asyncpg.Pool
) -> None:
    # The domain sets no bound on a name: a stand-in for any event that outgrew a record.
    huge = "N" * (MAX_EVENT_BYTES + 1)
    before = await asyncio.to_thread(register_manager, store, "Anna", "anna@example.com", 3, settings.team)
    big = await asyncio.to_thread(register_manager, store, huge, "big@example.com", 3, settings.team)
    after = await asyncio.to_thread(register_manager, store, "Boris", "boris@example.com", 3, settings.team)

    producer = build_producer(settings)
    await producer.start()
    try:
        relay = OutboxRelay(store, producer, pool, Topics.named(settings.topic_prefix))
        position = 0
        while (published := await relay.publish_after(position)) != position:
            position = published
        last = await asyncio.to_thread(store.recorder.max_notification_id)  # type: ignore[attr-defined]
        assert position == last  # the relay went past the large event to the end of the log

        (letter,) = await letters(pool, consumer=OUTBOX_RELAY)
        assert letter.error_type == "ValueError"
        assert f"holds {MAX_EVENT_BYTES}" in letter.error

        # The projection applies everything around the stand-in and keeps no second letter of it.
        await follow_topic(settings, pool, LIVE_SCHEMA)
        names = {r["id"]: r["name"] for r in await pool.fetch(f"SELECT id, name FROM {LIVE_SCHEMA}.managers")}
        assert names == {before: "Anna", after: "Boris"}
        assert [letter.id] == [w.id for w in await letters(pool)]

        # Once looked at, the letter is applied where events are read.
        [outcome] = await redrive(pool, producer, "ops@example.com", letter_id=letter.id)
        assert outcome.ok, outcome.detail
        assert await pool.fetchval(f"SELECT name FROM {LIVE_SCHEMA}.managers WHERE id = $1", big) == huge
    finally:
        await producer.stop()
