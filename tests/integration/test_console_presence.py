"""A manager is online while any gateway has one of their consoles open, and not after its gateway dies."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import pytest

from domain.manager import Manager
from services.console.presence import ConsolePresence
from services.heartbeat import SCHEMA as HEARTBEATS
from services.router.inbox import Inbox
from services.tables import ensure_tables

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


def online(inbox: Inbox, manager_id: UUID) -> bool:
    manager = inbox.repository.get(manager_id)
    assert isinstance(manager, Manager)
    return manager.online


async def test_online_is_counted_across_gateways_and_a_dead_gateway_is_swept(inbox: Inbox, pool: asyncpg.Pool) -> None:
    anna = inbox.register_manager("anna", "anna@example.com", 5, "sales")
    await ensure_tables(pool, HEARTBEATS)
    for gateway in ("g1", "g2"):
        await pool.execute("INSERT INTO service_heartbeats (instance, service) VALUES ($1, 'gateway')", gateway)
    first, second, dead = (
        ConsolePresence(pool, name, inbox.come_online, inbox.go_offline) for name in ("g1", "g2", "g3")
    )
    for presence in (first, second, dead):
        await presence.start()

    await first.opened(anna)
    assert online(inbox, anna)
    await second.opened(anna)
    await first.closed(anna)
    assert online(inbox, anna)  # still open on the second gateway
    await second.closed(anna)
    assert not online(inbox, anna)

    # A gateway that stops beating (it crashed with a console open) has its seats swept by the others.
    await dead.opened(anna)
    assert online(inbox, anna)
    assert await first.sweep() == [anna]
    assert not online(inbox, anna)
    assert await first.sweep() == []
