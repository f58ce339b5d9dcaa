"""The real gateway app under uvicorn on a free port, in the test's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
from starlette.applications import Starlette

from bench.waiting import until
from services.console.accounts import Role, add_account
from services.console.app import Gateway
from services.console.service import server
from services.settings import Settings

PASSWORD = "secret-password"


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Gateway]:
    """Serve the gateway until the block ends; yields the gateway object behind the routes."""
    running = server(settings)
    serve = asyncio.create_task(running.serve())

    async def started() -> bool:
        if serve.done():
            serve.result()  # a server that failed to start says why
        return running.started

    await until(started, 60, "the gateway to start")
    try:
        app = running.config.app
        assert isinstance(app, Starlette)
        yield app.state.gateway
    finally:
        running.should_exit = True
        await serve


async def add_operator(settings: Settings, email: str, manager_id: UUID, role: Role = Role.DIRECTOR) -> None:
    """An account that logs in with ``PASSWORD``."""
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
    assert pool is not None
    try:
        await add_account(pool, email, manager_id, email.partition("@")[0], role, PASSWORD)
    finally:
        await pool.close()
