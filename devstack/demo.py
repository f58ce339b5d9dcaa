"""Demo data: a sales team whose managers can log in and receive leads."""

from __future__ import annotations

import asyncio

import asyncpg

from services.console.accounts import Role, add_account, create_accounts_table
from services.router.inbox import Inbox

DEMO_PASSWORD = "switchboard-demo"  # noqa: S105 - printed for the local demo only

DEMO_MANAGERS = (
    ("Anna Petrova", "anna@example.com", Role.MANAGER, True),
    ("Boris Ivanov", "boris@example.com", Role.MANAGER, True),
    ("Clara Novak", "clara@example.com", Role.DIRECTOR, False),
)


async def load_demo(inbox: Inbox, pool: asyncpg.Pool, team: str, capacity: int = 20) -> list[str]:
    """Register the demo managers once, start the work day of those who work today."""
    await create_accounts_table(pool)
    loaded = []
    for name, email, role, working in DEMO_MANAGERS:
        if await pool.fetchval("SELECT 1 FROM operator_accounts WHERE email = $1", email):
            continue
        manager_id = await asyncio.to_thread(inbox.register_manager, name, email, capacity, team)
        if working:
            await asyncio.to_thread(inbox.start_work_day, manager_id)
        await add_account(pool, email, manager_id, name, role, DEMO_PASSWORD)
        loaded.append(email)
    return loaded
