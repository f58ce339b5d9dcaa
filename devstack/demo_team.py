"""The demo team put into the configured system, by ``switchboard-dev demo`` and on every ``switchboard-dev run``."""

from __future__ import annotations

import asyncio

from devstack.demo import DEMO_PASSWORD, load_demo
from services.bootstrap import build_event_store, create_pool
from services.settings import Settings


async def load_demo_team(settings: Settings) -> str:
    """Register the demo managers and their logins once; the line to show says who was added."""
    store = await asyncio.to_thread(build_event_store, settings)
    pool = await create_pool(settings)
    try:
        loaded = await load_demo(store, pool, settings.team)
    finally:
        await pool.close()
        store.close()
    return f"demo managers loaded: {', '.join(loaded) or 'already there'}; password: {DEMO_PASSWORD}"
