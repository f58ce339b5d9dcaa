"""A manager is online while any gateway has one of their consoles open, and not after its gateway dies."""

from __future__ import annotations

from functools import partial
from uuid import UUID

import asyncpg
import pytest

from application.event_store import EventStore
from application.managers import register_manager
from application.work_day import come_online, go_offline
from domain.manager import Manager
from services.console.presence import ConsolePresence
from services.heartbeat import TABLES as HEARTBEATS
from services.tables import ensure_tables

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


def online(store: EventStore, manager_id: UUID) -> bool:
    manager = store.repository.get(manager_id)
    assert isinstance(manager, Manager)
    return manager.online


async def test_online_is_counted_across_gateways_and_a_dead_gateway_is_swept(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    anna = register_manager(store, "anna", "anna@example.com", 5, "sales")
    await ensure_tables(pool, HEARTBEATS)
    for gateway in ("g1", "g2"):
        await pool.execute("INSERT INTO service_heartbeats (instance, service) VALUES ($1, 'gateway')", gateway)
    first, second, dead = (
        ConsolePresence(pool, name, partial(come_online, store), partial(go_offline, store))
        for name in ("g1", "g2", "g3")
    )
    for presence in (first, second, dead):
        await presence.start()

    await first.opened(anna)
    assert online(store, anna)
    await second.opened(anna)
    await first.closed(anna)
    assert online(store, anna)  # still open on the second gateway
    await second.closed(anna)
    assert not online(store, anna)

    # A gateway that stops beating (it crashed with a console open) has its seats swept by the others.
    await dead.opened(anna)
    assert online(store, anna)
    assert await first.sweep() == [anna]
    assert not online(store, anna)
    assert await first.sweep() == []
