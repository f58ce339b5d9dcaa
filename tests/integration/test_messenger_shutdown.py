"""Stopping the messengers: what their tasks share is closed only once every task has ended."""

from __future__ import annotations

import asyncio
import secrets

import asyncpg
import pytest

from devstack.ports import free_port
from domain.inbound import InboundMessage
from services.ingest.messengers import Messenger, run_messengers
from services.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_a_task_finishing_its_work_after_stop_never_meets_a_closed_client(
    database: str, database_pool: asyncpg.Pool
) -> None:
    settings = Settings(
        database_url=database,
        secret_key=secrets.token_urlsafe(24),
        http_port=free_port(),
        webchat_port=free_port(),
        webhooks_port=free_port(),
    )
    closed = False
    seen_closed: list[bool] = []
    running = asyncio.Event()

    async def poll(stop: asyncio.Event) -> None:
        # A poller hears of the stop a few steps after the process (through its lock's holder, say),
        # and ends the request it was making first.
        running.set()
        await stop.wait()
        for _ in range(20):
            await asyncio.sleep(0)
            seen_closed.append(closed)

    async def close() -> None:
        nonlocal closed
        closed = True

    async def publish(_: InboundMessage) -> None:
        return None

    async def report(_: object) -> None:
        return None

    stop = asyncio.Event()
    probe = Messenger("probe", tasks=[poll], closing=[close])
    serving = asyncio.create_task(run_messengers(settings, database_pool, publish, report, stop, also=[probe]))
    await asyncio.wait_for(running.wait(), 30)
    stop.set()
    await asyncio.wait_for(serving, 30)
    assert seen_closed == [False] * 20
    assert closed
