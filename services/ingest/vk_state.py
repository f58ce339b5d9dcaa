"""What the VK channel keeps in PostgreSQL: long poll checkpoints, files, and each community's state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from connectors.vk.downloads import Fetched
from services.attachment_store import create_store, keep_files
from services.tables import ensure_tables

TABLES = """
CREATE TABLE IF NOT EXISTS vk_checkpoints (
    community text PRIMARY KEY,
    ts text NOT NULL,
    saved_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS vk_community_health (
    community text PRIMARY KEY,
    mode text NOT NULL,
    ok boolean NOT NULL,
    state text NOT NULL,
    error text,
    since timestamptz NOT NULL DEFAULT now()
);
"""


class VkState:
    """Checkpoints, files and health of the configured communities, in PostgreSQL."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create(self, configured: list[str]) -> None:
        """Create the tables if missing; forget the state of communities no longer configured."""
        await ensure_tables(self._pool, TABLES)
        await create_store(self._pool)
        await self._pool.execute("DELETE FROM vk_community_health WHERE NOT community = ANY($1::text[])", configured)

    async def checkpoint(self, community: str) -> str | None:
        """The long poll ``ts`` after the last events Kafka acknowledged, if any."""
        value = await self._pool.fetchval("SELECT ts FROM vk_checkpoints WHERE community = $1", community)
        return str(value) if value is not None else None

    async def save_checkpoint(self, community: str, ts: str) -> None:
        """Save ``ts``: call only once the events before it are on Kafka."""
        await self._pool.execute(
            "INSERT INTO vk_checkpoints (community, ts) VALUES ($1, $2)"
            " ON CONFLICT (community) DO UPDATE SET ts = EXCLUDED.ts, saved_at = now()",
            community,
            ts,
        )

    async def keep_files(self, files: list[Fetched]) -> None:
        """Store the bytes of files by content hash; bytes already stored are not written again."""
        rows = {f.sha256: f.content for f in files if f.content is not None}
        await keep_files(self._pool, rows.values())

    async def report(self, community: str, mode: str, *, ok: bool, state: str, error: str | None = None) -> None:
        """Record how the community is doing; ``since`` changes only when its state does."""
        await self._pool.execute(
            "INSERT INTO vk_community_health (community, mode, ok, state, error) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (community) DO UPDATE SET mode = EXCLUDED.mode, ok = EXCLUDED.ok, error = EXCLUDED.error,"
            " since = CASE WHEN vk_community_health.state = EXCLUDED.state THEN vk_community_health.since"
            " ELSE now() END, state = EXCLUDED.state",
            community,
            mode,
            ok,
            state,
            error,
        )


async def community_states(pool: asyncpg.Pool, configured: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Each configured community's state for /healthz; one not heard of yet is not ok."""
    waiting: dict[str, Any] = {"ok": False, "mode": None, "state": "not started yet", "error": None, "since": None}
    states = {name: dict(waiting) for name in configured}
    if not configured or await pool.fetchval("SELECT to_regclass('vk_community_health')") is None:
        return states
    rows = await pool.fetch(
        "SELECT community, mode, ok, state, error, since FROM vk_community_health WHERE community = ANY($1::text[])",
        list(configured),
    )
    for row in rows:
        since: datetime = row["since"]
        states[row["community"]] = {
            "ok": row["ok"],
            "mode": row["mode"],
            "state": row["state"],
            "error": row["error"],
            "since": since.isoformat(),
        }
    return states
