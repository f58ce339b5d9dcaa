"""What the Telegram channel keeps in PostgreSQL: polling offsets, each bot's health, and files.

Files go to the attachment store (``services/attachment_store.py``), so the
console serves them the same way.
"""

from __future__ import annotations

import asyncpg

from services.attachment_store import create_store, keep_files
from services.tables import ensure_tables

TABLES = """
CREATE TABLE IF NOT EXISTS telegram_offsets (
    bot text PRIMARY KEY,
    next_update_id bigint NOT NULL,
    saved_at timestamptz NOT NULL DEFAULT now()
);
-- Each bot's state as /healthz shows it: starting, serving (webhook), polling, or failing with the error.
CREATE TABLE IF NOT EXISTS telegram_bot_health (
    bot text PRIMARY KEY,
    mode text NOT NULL,
    state text NOT NULL,
    error text,
    since timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""


class TelegramState:
    """Offsets, health and files of the configured bots, in PostgreSQL."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create(self, bots: dict[str, str]) -> None:
        """Create the tables; forget the health of bots no longer configured, mark the others' mode."""
        await ensure_tables(self._pool, TABLES)
        await create_store(self._pool)
        await self._pool.execute("DELETE FROM telegram_bot_health WHERE NOT bot = ANY($1::text[])", list(bots))
        await self._pool.executemany(
            "INSERT INTO telegram_bot_health (bot, mode, state) VALUES ($1, $2, 'starting')"
            " ON CONFLICT (bot) DO UPDATE SET mode = EXCLUDED.mode",
            list(bots.items()),
        )

    async def offset(self, bot: str) -> int | None:
        """The next update id to ask the bot for, once any was taken."""
        value = await self._pool.fetchval("SELECT next_update_id FROM telegram_offsets WHERE bot = $1", bot)
        return int(value) if value is not None else None

    async def save_offset(self, bot: str, offset: int) -> None:
        """Save the offset; it never moves back, whatever a slower poller that lost its lock saves."""
        await self._pool.execute(
            "INSERT INTO telegram_offsets (bot, next_update_id) VALUES ($1, $2) ON CONFLICT (bot) DO UPDATE"
            " SET next_update_id = greatest(telegram_offsets.next_update_id, EXCLUDED.next_update_id),"
            " saved_at = now()",
            bot,
            offset,
        )

    async def report(self, bot: str, state: str, error: str | None) -> None:
        """Record the bot's state; ``since`` changes only when the state does."""
        await self._pool.execute(
            "UPDATE telegram_bot_health SET error = $3, updated_at = now(),"
            " since = CASE WHEN state = $2 THEN since ELSE now() END, state = $2 WHERE bot = $1",
            bot,
            state,
            error,
        )

    async def keep_files(self, files: list[tuple[str, bytes]]) -> None:
        """Store file bytes by content hash; bytes already stored are not written again."""
        await keep_files(self._pool, (content for _, content in files))
