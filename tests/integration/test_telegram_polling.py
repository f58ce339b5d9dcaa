"""Long polling from the local Bot API: a backlog through an ingest killed with SIGKILL in the middle,
every update stored once; the offset confirmed to Telegram only after Kafka had the updates."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bench.waiting import until
from services.settings import Settings
from tests.services_running import RunningServices, services
from tests.telegram_api import FakeBotApi
from tests.telegram_running import TOKEN, stored_messages, with_bot

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(300)]

BACKLOG = 1000
LATER = 20


def test_a_backlog_polled_through_a_killed_ingest_is_stored_once_and_nothing_is_confirmed_early(
    settings: Settings, tmp_path: Path
) -> None:
    with FakeBotApi(TOKEN) as api:
        configured = with_bot(settings, api, "polling", telegram_poll_seconds=1)
        for n in range(BACKLOG):
            api.add_update(TOKEN, {"message": api.message(1000 + n % 50, f"question {n}", message_id=n + 1)})
        with services(configured, tmp_path / "logs", ("ingest", "router", "gateway")) as running:
            asyncio.run(kill_midway(configured, running, api))


async def kill_midway(settings: Settings, running: RunningServices, api: FakeBotApi) -> None:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:

        async def started() -> int | None:
            count = len(await stored_messages(pool))
            return count if 0 < count < BACKLOG else None

        await until(started, 60, "the first updates of the backlog to be stored", interval=0.01)
        running.kill("ingest")
        # Whatever Telegram was told is confirmed was stored: it never forgets what is not on Kafka.
        confirmed = set(range(100_000, 100_000 + BACKLOG)) - set(api.pending(TOKEN))
        stored_ids = {m["channel_message_id"] for m in await stored_messages(pool)}
        await until(
            lambda: _all_confirmed_stored(pool, confirmed),
            30,
            "every update Telegram forgot to be stored",
        )
        running.start("ingest")
        report = await running.healthy_except("projections")
        assert report["checks"]["telegram"]["bots"]["shop"]["state"] == "polling"  # type: ignore[index]
        for n in range(LATER):
            api.add_update(TOKEN, {"message": api.message(7, f"after the restart {n}", message_id=BACKLOG + n + 1)})

        async def all_stored() -> list[dict[str, Any]] | None:
            found = await stored_messages(pool)
            return found if len(found) >= BACKLOG + LATER else None

        found = await until(all_stored, 120, "every update to be stored", interval=0.2)
        ids = [m["channel_message_id"] for m in found]
        assert len(ids) == len(set(ids)) == BACKLOG + LATER
        assert stored_ids <= set(ids)
        assert api.pending(TOKEN) == []
        saved = await pool.fetchval("SELECT next_update_id FROM telegram_offsets WHERE bot = 'shop'")
        assert saved == 100_000 + BACKLOG + LATER
    finally:
        await pool.close()


async def _all_confirmed_stored(pool: asyncpg.Pool, confirmed: set[int]) -> bool:
    # Update n carries message n - 99,999 in its chat: the id the router stored it under.
    stored = {m["channel_message_id"].rsplit(":", 1)[-1] for m in await stored_messages(pool)}
    return {str(u - 100_000 + 1) for u in confirmed} <= stored
