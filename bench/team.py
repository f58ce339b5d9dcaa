"""The team leads are routed among during a run, and the console accounts operators log in with."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from application.managers import register_manager
from application.work_day import change_work_day
from services.bootstrap import build_event_store, create_pool
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
    event_store = await asyncio.to_thread(build_event_store, settings)
    pool = await create_pool(settings)
    try:
        for n, capacity in enumerate(capacities):
            email = f"manager{n}@bench.example"
            manager_id = await asyncio.to_thread(
                register_manager, event_store, f"Manager {n}", email, capacity, settings.team
            )
            await asyncio.to_thread(change_work_day, event_store, manager_id, "start")
            await add_account(pool, email, manager_id, f"Manager {n}", Role.MANAGER, PASSWORD)
        director_id = await asyncio.to_thread(register_manager, event_store, "Director", DIRECTOR, 0, "directors")
        await add_account(pool, DIRECTOR, director_id, "Director", Role.DIRECTOR, PASSWORD)
    finally:
        await pool.close()
        event_store.close()
    return Staff(capacities)
