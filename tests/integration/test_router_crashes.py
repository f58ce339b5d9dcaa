"""2,000 web-chat messages while the router is killed with SIGKILL and restarted.

Afterwards every message is in the event store exactly once, no conversation
or lead is duplicated, and the read models equal a rebuild from the log.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import asyncpg
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from application.managers import register_manager
from application.work_day import change_work_day
from bench.cluster import LOAD_FROM_ONE_ADDRESS
from bench.waiting import until
from services.bootstrap import build_event_store
from services.console.app import VISITOR, VISITOR_TTL_SECONDS
from services.projections.rebuild import differences, rebuild
from services.projections.schema import LIVE_SCHEMA
from services.projections.tracking import load_position
from services.settings import Settings
from services.tokens import Signer
from tests.router_reactions import routed
from tests.services_running import RunningServices, services

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

VISITORS = 100
MESSAGES_EACH = 20
TOTAL = VISITORS * MESSAGES_EACH
KILL_AT = (400, 900, 1400)
EVENTS = "switchboard_events"


def test_no_message_is_lost_or_doubled_when_the_router_is_killed(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings.model_copy(update=LOAD_FROM_ONE_ADDRESS)  # a hundred visitors, all on 127.0.0.1
    store = build_event_store(settings)
    for name in ("anna", "boris", "clara", "dmitri"):
        manager_id = register_manager(store, name, f"{name}@example.com", VISITORS, settings.team)
        routed(store, change_work_day, manager_id, "start")
    store.close()
    with services(settings, tmp_path / "logs") as running:
        rate, kills = asyncio.run(drive(settings, running))
    with capsys.disabled():
        print(f"\n[router crash test] {TOTAL} messages, router SIGKILLed {kills} times: {rate:.0f} messages/s stored")


async def drive(settings: Settings, running: RunningServices) -> tuple[float, int]:
    await running.healthy()
    accepted = 0
    kills = 0
    crossed = asyncio.Condition()

    async def visitor(token: str) -> None:
        nonlocal accepted
        socket = await connect(settings.webchat_url, origin=Origin(settings.console_url))
        await socket.send(json.dumps({"type": "hello", "token": token}))
        await expect(socket, "welcome")
        for n in range(MESSAGES_EACH):
            await socket.send(json.dumps({"type": "message", "id": f"m{n}", "text": f"message {n}"}))
            await expect(socket, "accepted")
            async with crossed:
                accepted += 1
                crossed.notify_all()
        await socket.close()

    async def killer() -> None:
        nonlocal kills
        for threshold in KILL_AT:
            async with crossed:
                await crossed.wait_for(lambda t=threshold: accepted >= t)  # type: ignore[misc]
            running.kill("router")
            running.start("router")
            kills += 1

    # A hundred visitors from one address is a flood to the gateway: they are issued tokens directly.
    signer = Signer(settings.require_secret())
    tokens = [signer.issue(VISITOR, f"visitor-{n}", VISITOR_TTL_SECONDS) for n in range(VISITORS)]
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    assert pool is not None
    try:
        started = time.monotonic()
        await asyncio.gather(killer(), *(visitor(t) for t in tokens))

        async def all_stored() -> bool:
            count = await pool.fetchval(f"SELECT count(*) FROM {EVENTS} WHERE topic LIKE '%Conversation.CustomerWrote'")
            return count >= TOTAL

        await until(all_stored, 240, f"{TOTAL} messages in the event store", interval=0.2)
        rate = TOTAL / (time.monotonic() - started)
        await check_exactly_once(pool)
        await check_read_models(settings, pool)
    finally:
        await pool.close()
    return rate, kills


async def expect(socket: ClientConnection, kind: str) -> None:
    frame = json.loads(await asyncio.wait_for(socket.recv(), 60))
    assert frame["type"] == kind, frame


async def check_exactly_once(pool: asyncpg.Pool) -> None:
    rows = await pool.fetch(
        f"SELECT substring(topic from '[A-Za-z]+\\.[A-Za-z]+$') AS event, count(*) AS n,"
        " count(DISTINCT originator_id) AS aggregates,"
        " count(DISTINCT convert_from(state, 'UTF8')::jsonb ->> 'channel_message_id') AS message_ids"
        f" FROM {EVENTS} GROUP BY 1"
    )
    seen = {r["event"]: r for r in rows}
    assert seen["Conversation.CustomerWrote"]["n"] == TOTAL
    assert seen["Conversation.CustomerWrote"]["message_ids"] == TOTAL
    assert seen["MessageReceipt.Recorded"]["n"] == TOTAL
    assert seen["Conversation.Opened"]["n"] == VISITORS
    assert seen["Lead.Created"]["n"] == VISITORS
    assert seen["Contact.Registered"]["n"] == VISITORS
    assert seen["Lead.Assigned"]["n"] == seen["Lead.Assigned"]["aggregates"] == VISITORS
    assert seen["Manager.LeadTaken"]["n"] == VISITORS


async def check_read_models(settings: Settings, pool: asyncpg.Pool) -> None:
    last = await pool.fetchval(f"SELECT max(notification_id) FROM {EVENTS}")

    async def caught_up() -> bool:
        return (await load_position(pool, LIVE_SCHEMA)).notification_id >= last

    await until(caught_up, 120, f"the projections to reach notification {last}", interval=0.2)
    counts = await pool.fetchrow(
        f"SELECT (SELECT count(*) FROM {LIVE_SCHEMA}.conversations) AS conversations,"
        f" (SELECT count(*) FROM {LIVE_SCHEMA}.messages) AS messages,"
        f" (SELECT count(*) FROM {LIVE_SCHEMA}.assignments) AS assignments"
    )
    assert dict(counts) == {"conversations": VISITORS, "messages": TOTAL, "assignments": VISITORS}
    rebuilt = await rebuild(pool)
    assert rebuilt.notification_id == last
    assert await differences(pool, LIVE_SCHEMA, "read_models_rebuild") == {}
