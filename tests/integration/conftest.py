"""Fixtures shared by the integration tests: the event store and a pool on the test's database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
import pytest_asyncio

from application.event_store import EventStore
from services.bootstrap import build_event_store
from services.settings import Settings


@pytest.fixture
def store(settings: Settings) -> Iterator[EventStore]:
    """The event store on the test's own database."""
    app = build_event_store(settings)
    yield app
    app.close()


@pytest_asyncio.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """An asyncpg pool on the test's own database."""
    created = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    assert created is not None
    yield created
    await created.close()


@pytest_asyncio.fixture
async def database_pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    """An asyncpg pool on the test's own database, for tests that need no broker."""
    created = await asyncpg.create_pool(database, min_size=1, max_size=4)
    assert created is not None
    yield created
    await created.close()
