"""Demo data: a sales team whose managers can log in and receive leads."""

from __future__ import annotations

import asyncio

import asyncpg

from application.event_store import EventStore
from application.managers import register_manager
from application.work_day import WorkDayAction, change_work_day
from services.console.accounts import Role, add_account, create_accounts_table

DEMO_PASSWORD = "switchboard-demo"  # noqa: S105 - printed for the local demo only

DEMO_MANAGERS = (
    ("Anna Petrova", "anna@example.com", Role.MANAGER, True),
    ("Boris Ivanov", "boris@example.com", Role.MANAGER, True),
    ("Clara Novak", "clara@example.com", Role.DIRECTOR, False),
)


async def load_demo(store: EventStore, pool: asyncpg.Pool, team: str, capacity: int = 20) -> list[str]:
    """Register the demo managers once, start the work day of those who work today."""
    await create_accounts_table(pool)
    loaded = []
    for name, email, role, working in DEMO_MANAGERS:
        if await pool.fetchval("SELECT 1 FROM operator_accounts WHERE email = $1", email):
            continue
        manager_id = await asyncio.to_thread(register_manager, store, name, email, capacity, team)
        if working:
            await asyncio.to_thread(change_work_day, store, manager_id, WorkDayAction.START)
        await add_account(pool, email, manager_id, name, role, DEMO_PASSWORD)
        loaded.append(email)
    return loaded
