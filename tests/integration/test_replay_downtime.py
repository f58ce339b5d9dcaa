"""Readers through a replay: every answer whole, from one version or the other, and the new one after the switch.

The live projection and the outbox relay run throughout and customers keep writing, so the switch
happens while events are being applied; none of them may be lost or applied twice at the hand-over.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest

from application.event_store import EventStore
from application.managers import register_manager
from application.open_deal import DealOpening, open_deal
from application.receive_messages import receive_messages
from application.work_day import change_work_day
from domain.inbound import InboundMessage
from services.bootstrap import build_producer
from services.console.accounts import Role
from services.dead_letters import PROJECTIONS, waiting_counts
from services.projections import event_log, versions
from services.projections.runner import follow
from services.projections.schema import LIVE_SCHEMA
from services.projections.tracking import load_position
from services.router.outbox import OutboxRelay
from services.settings import Settings
from services.topics import Topics
from tests.conftest import REPO_ROOT, settings_env
from tests.integration.gateway_server import PASSWORD, add_operator, serving
from tests.projected import project
from tests.replay_histories import write_copied_history

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

VISITORS = 10
DEALS = 12
COPIED_DEALS = 150  # a generated history beside them, so that the replay takes pages (three) and seconds
STALE = " (stale)"


@dataclass
class Seen:
    """What the readers were answered."""

    answers: int = 0
    stale: int = 0
    fresh: int = 0
    wrong: list[str] = field(default_factory=list)


def _history(store: EventStore) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 1000, "sales")
    change_work_day(store, anna, "start")
    at = datetime(2026, 4, 1, 9, tzinfo=UTC)
    receive_messages(
        store, [InboundMessage.from_visitor(f"v{n}", "m0", f"Hello from {n}", at) for n in range(VISITORS)]
    )
    for n in range(DEALS):
        open_deal(store, DealOpening(f"Deal {n}", "EUR", amount="100"), anna)


@pytest.mark.runs_long(100)
def test_readers_get_whole_answers_through_a_replay_and_the_new_version_after_it(
    store: EventStore, settings: Settings
) -> None:
    asyncio.run(_copied_history(settings))
    _history(store)
    asyncio.run(project(settings, store))
    dora = register_manager(store, "Dora", "dora@example.com", 5, "board")
    asyncio.run(add_operator(settings, "dora@example.com", dora, Role.DIRECTOR))
    asyncio.run(_scenario(settings, store))


async def _copied_history(settings: Settings) -> None:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        await write_copied_history(pool, COPIED_DEALS)
    finally:
        await pool.close()


async def _scenario(settings: Settings, store: EventStore) -> None:
    pool = await asyncpg.create_pool(settings.database_url, min_size=2, max_size=6)
    assert pool is not None
    # A version of the read models a replay corrects: every deal's title, as readers will see it until the switch.
    await pool.execute(f"UPDATE {LIVE_SCHEMA}.deals SET title = title || $1", STALE)
    deals = await pool.fetchval(f"SELECT count(*) FROM {LIVE_SCHEMA}.deals")
    conversations = await pool.fetchval(f"SELECT count(*) FROM {LIVE_SCHEMA}.conversations")
    stop, writing_stops, done = asyncio.Event(), asyncio.Event(), asyncio.Event()
    producer = build_producer(settings)
    await producer.start()
    seen = Seen()
    try:
        async with serving(settings), httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.http_port}") as http:
            login = await http.post("/api/login", json={"email": "dora@example.com", "password": PASSWORD})
            http.headers["Authorization"] = f"Bearer {login.json()['token']}"
            relay = OutboxRelay(store, producer, pool, Topics.named(settings.topic_prefix))
            relay_pauses = asyncio.Event()
            relaying = asyncio.create_task(relay.run(relay_pauses))
            background = [
                asyncio.create_task(follow(settings, pool, LIVE_SCHEMA, stop, notify=True)),
                asyncio.create_task(_customers_writing(store, writing_stops)),
                asyncio.create_task(_reading(http, "/api/deals", "deals", deals, done, seen)),
                asyncio.create_task(_reading(http, "/api/conversations", "conversations", conversations, done, seen)),
            ]
            replaying = await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "services.cli", "replay"),
                cwd=REPO_ROOT,
                env={**os.environ, **settings_env(settings)},
                stderr=asyncio.subprocess.DEVNULL,
            )
            # Once the replay is under way the relay pauses, so the live projection is behind the replay at
            # the switch (customers go on writing): after it, it must skip what the replay applied.
            await _until(lambda: _under_way(pool), 120)
            # The replay's next page cannot commit past this lock: it waits until the relay has paused.
            async with pool.acquire() as holder, holder.transaction():
                await holder.execute(f"LOCK TABLE {versions.NEXT_SCHEMA}.replay IN EXCLUSIVE MODE")
                relay_pauses.set()
                await relaying
                assert replaying.returncode is None, "the replay ended before the live projection fell behind"
            assert await asyncio.wait_for(replaying.wait(), 300) == 0
            relayed = await pool.fetchval("SELECT notification_id FROM outbox_position")
            assert (await load_position(pool, LIVE_SCHEMA)).notification_id > relayed, "no hand-over to check"
            background.append(asyncio.create_task(relay.run(stop)))
            before_switch = seen.stale
            writing_stops.set()
            await _until(lambda: _caught_up(pool), 120)
            stop.set()
            fresh_after = seen.fresh
            await _until(lambda: _more(seen, fresh_after), 60)
            done.set()
            await asyncio.gather(*background)
    finally:
        await producer.stop()
    try:
        assert seen.wrong == []
        assert before_switch > 0, "no answer came from the old version: the readers did not overlap the replay"
        assert seen.fresh > fresh_after
        # Every message event applied once: through the hand-over none was lost or applied twice.
        stored = await pool.fetchval(
            f"SELECT count(*) FROM {event_log.EVENTS_TABLE}"
            " WHERE topic LIKE '%:Conversation.CustomerWrote' OR topic LIKE '%:Conversation.OperatorReplied'"
        )
        assert await pool.fetchval(f"SELECT count(*) FROM {LIVE_SCHEMA}.messages") == stored
        assert (await waiting_counts(pool)).get(PROJECTIONS, 0) == 0
        assert await pool.fetchval(f"SELECT sum(message_count) FROM {LIVE_SCHEMA}.conversations") == stored
    finally:
        await pool.close()


async def _customers_writing(store: EventStore, stop: asyncio.Event) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        message = InboundMessage.from_visitor(f"v{n % VISITORS}", f"later-{n}", f"Still there? {n}", datetime.now(UTC))
        await asyncio.to_thread(receive_messages, store, [message])
        await asyncio.sleep(0.05)  # a customer's pace, not a wait for a result


async def _reading(  # noqa: PLR0913 - the list read, its size, when to stop, and what was seen
    http: httpx.AsyncClient, url: str, key: str, size: int, done: asyncio.Event, seen: Seen
) -> None:
    while not done.is_set():
        response = await http.get(url, params={"limit": "200"})
        seen.answers += 1
        if response.status_code != 200:
            seen.wrong.append(f"{url}: {response.status_code} {response.text[:200]}")
            continue
        rows = response.json()[key]
        if len(rows) != size:
            seen.wrong.append(f"{url}: {len(rows)} rows, not {size}")
        if key == "deals":
            stale = {row["title"].endswith(STALE) for row in rows}
            if len(stale) > 1:
                seen.wrong.append(f"{url}: some deals from the old version, some from the new")
            elif stale == {True}:
                seen.stale += 1
            else:
                seen.fresh += 1


async def _caught_up(pool: asyncpg.Pool) -> bool:
    return (await load_position(pool, LIVE_SCHEMA)).notification_id >= await event_log.head(pool)


async def _under_way(pool: asyncpg.Pool) -> bool:
    found = await versions.checkpoint(pool)
    return found is not None and found.notification_id > 0


async def _more(seen: Seen, than: int) -> bool:
    return seen.fresh > than


async def _until(check: Callable[[], Awaitable[bool]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
