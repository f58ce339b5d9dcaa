"""The team leads are routed among during a run, and the console accounts operators log in with."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.bootstrap import build_inbox, create_pool
from services.console.accounts import Role, add_account
from services.settings import Settings

PASSWORD = "bench-password"
DIRECTOR = "director@bench.example"


@dataclass(frozen=True)
class Staff:
    """Managers at work with their capacities, and a director who sees every conversation."""

    capacities: tuple[int, ...]
    director_email: str = DIRECTOR
    password: str = PASSWORD


async def hire(settings: Settings, capacities: tuple[int, ...]) -> Staff:
    """Register one working manager per capacity, plus a director's console account."""
    inbox = await asyncio.to_thread(build_inbox, settings)
    pool = await create_pool(settings)
    try:
        for n, capacity in enumerate(capacities):
            email = f"manager{n}@bench.example"
            manager_id = await asyncio.to_thread(inbox.register_manager, f"Manager {n}", email, capacity, settings.team)
            await asyncio.to_thread(inbox.start_work_day, manager_id)
            await add_account(pool, email, manager_id, f"Manager {n}", Role.MANAGER, PASSWORD)
        director_id = await asyncio.to_thread(inbox.register_manager, "Director", DIRECTOR, 0, "directors")
        await add_account(pool, DIRECTOR, director_id, "Director", Role.DIRECTOR, PASSWORD)
    finally:
        await pool.close()
        inbox.close()
    return Staff(capacities)
