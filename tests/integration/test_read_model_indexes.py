"""A replay fills tables without their indexes and makes them afterwards: every one of them, on the tables asked."""

from __future__ import annotations

import asyncpg
import pytest

from services.projections.schema import READ_MODEL_TABLES, create_indexes, create_read_models

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


async def _indexes(pool: asyncpg.Pool, schema: str) -> set[tuple[str, str, str]]:
    rows = await pool.fetch("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1", schema)
    return {(r["tablename"], r["indexname"], r["indexdef"].replace(f"{schema}.", "")) for r in rows}


async def test_the_indexes_made_afterwards_are_those_the_tables_are_made_with(database_pool: asyncpg.Pool) -> None:
    pool = database_pool
    await create_read_models(pool, "whole")
    await create_read_models(pool, "filled", indexes=False)
    counted = ("conversations", "messages")
    await create_indexes(pool, "filled", counted)
    made = await _indexes(pool, "filled")
    whole = await _indexes(pool, "whole")
    # Only the tables asked for got theirs; the others have their primary keys alone.
    assert {i for i in whole if i[0] in counted} <= made
    assert {i for i in made if i[0] not in counted} < {i for i in whole if i[0] not in counted}
    await create_indexes(pool, "filled", tuple(t for t in READ_MODEL_TABLES if t not in counted))
    assert await _indexes(pool, "filled") == whole
