"""How far each import got: rows done and what became of them, keyed by the file's hash.

Written after every batch, in its own transaction after the batch's events: a kill between the two
leaves the checkpoint behind the events, and the rows redone are harmless (their ids are derived,
so they change nothing). The same file imported again continues where it stopped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from services.tables import ensure_tables

TABLES = """
CREATE TABLE IF NOT EXISTS import_checkpoints (
    file_sha256 text PRIMARY KEY,
    import_id uuid NOT NULL,
    filename text NOT NULL,
    total integer NOT NULL,
    rows_done integer NOT NULL DEFAULT 0,
    created integer NOT NULL DEFAULT 0,
    updated integer NOT NULL DEFAULT 0,
    unchanged integer NOT NULL DEFAULT 0,
    refused jsonb NOT NULL DEFAULT '[]',
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
"""


@dataclass
class Checkpoint:
    """An import as far as it got."""

    rows_done: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    refused: list[dict[str, Any]] = field(default_factory=list)


async def begin(pool: asyncpg.Pool, file_sha256: str, import_id: UUID, filename: str, total: int) -> Checkpoint:
    """The checkpoint of this file's import: a new one, or where an earlier run of it stopped."""
    await ensure_tables(pool, TABLES)
    await pool.execute(
        "INSERT INTO import_checkpoints (file_sha256, import_id, filename, total) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (file_sha256) DO NOTHING",
        file_sha256,
        import_id,
        filename,
        total,
    )
    row = await pool.fetchrow("SELECT * FROM import_checkpoints WHERE file_sha256 = $1", file_sha256)
    assert row is not None  # inserted just above, or there before
    counts = {k: row[k] for k in ("created", "updated", "unchanged")}
    return Checkpoint(row["rows_done"], counts, json.loads(row["refused"]))


async def advance(
    pool: asyncpg.Pool, file_sha256: str, rows_done: int, counts: dict[str, int], refused: list[dict[str, Any]]
) -> None:
    """Record a batch done: the rows done so far, and what became of the batch's rows."""
    await pool.execute(
        "UPDATE import_checkpoints SET rows_done = $2, created = created + $3, updated = updated + $4,"
        " unchanged = unchanged + $5, refused = refused || $6::jsonb,"
        " finished_at = CASE WHEN $2 >= total THEN now() END WHERE file_sha256 = $1",
        file_sha256,
        rows_done,
        counts.get("created", 0),
        counts.get("updated", 0),
        counts.get("unchanged", 0),
        json.dumps(refused),
    )


async def rows_done(pool: asyncpg.Pool, file_sha256: str) -> int:
    """How many rows of the file's import are done (0 if it never began)."""
    await ensure_tables(pool, TABLES)
    done = await pool.fetchval("SELECT rows_done FROM import_checkpoints WHERE file_sha256 = $1", file_sha256)
    return int(done or 0)
