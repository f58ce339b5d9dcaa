"""What the mail connector keeps in PostgreSQL: checkpoints, attachments, and each mailbox's health."""

from __future__ import annotations

import asyncpg

from connectors.mail.parsing import Attachment
from connectors.mail.watcher import Checkpoint, Rejection
from services.attachment_store import create_store, keep_files
from services.tables import ensure_tables

TABLES = """
CREATE TABLE IF NOT EXISTS mail_checkpoints (
    mailbox text PRIMARY KEY,
    uidvalidity bigint NOT NULL,
    last_uid bigint NOT NULL,
    saved_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS mailbox_health (
    mailbox text PRIMARY KEY,
    connected boolean NOT NULL,
    error text,
    since timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS mail_rejections (
    mailbox text NOT NULL,
    uidvalidity bigint NOT NULL,
    uid bigint NOT NULL,
    reason text NOT NULL,
    detail text NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (mailbox, uidvalidity, uid)
);
"""


class PostgresMailboxState:
    """Checkpoints, attachments and health of the watched mailboxes, in PostgreSQL."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create(self, watched: list[str] | None = None) -> None:
        """Create the tables if they are missing; forget the health of mailboxes no longer ``watched``."""
        await ensure_tables(self._pool, TABLES)
        await create_store(self._pool)
        if watched is not None:
            await self._pool.execute("DELETE FROM mailbox_health WHERE NOT mailbox = ANY($1::text[])", watched)

    async def checkpoint(self, mailbox: str) -> Checkpoint | None:
        """The saved checkpoint, if any."""
        row = await self._pool.fetchrow(
            "SELECT uidvalidity, last_uid FROM mail_checkpoints WHERE mailbox = $1", mailbox
        )
        return Checkpoint(row["uidvalidity"], row["last_uid"]) if row else None

    async def save_checkpoint(self, mailbox: str, checkpoint: Checkpoint) -> None:
        """Save the checkpoint; under the same UIDVALIDITY it never moves back."""
        await self._pool.execute(
            "INSERT INTO mail_checkpoints (mailbox, uidvalidity, last_uid) VALUES ($1, $2, $3)"
            " ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = EXCLUDED.uidvalidity, saved_at = now(),"
            " last_uid = CASE WHEN mail_checkpoints.uidvalidity = EXCLUDED.uidvalidity"
            " THEN greatest(mail_checkpoints.last_uid, EXCLUDED.last_uid) ELSE EXCLUDED.last_uid END",
            mailbox,
            checkpoint.uidvalidity,
            checkpoint.last_uid,
        )

    async def keep_attachments(self, attachments: list[Attachment]) -> None:
        """Store attachment bytes by content hash; bytes already stored are not written again."""
        rows = {a.sha256: a.content for a in attachments if a.content is not None}
        await keep_files(self._pool, rows.values())

    async def record_rejections(self, mailbox: str, rejections: list[Rejection]) -> None:
        """Keep the rejected mails' places and reasons; the mail itself stays in the folder."""
        await self._pool.executemany(
            "INSERT INTO mail_rejections (mailbox, uidvalidity, uid, reason, detail) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT DO NOTHING",
            [(mailbox, r.uidvalidity, r.uid, r.reason, r.detail) for r in rejections],
        )

    async def report(self, mailbox: str, *, connected: bool, error: str | None) -> None:
        """Record whether the mailbox is reachable; ``since`` changes only when that does."""
        await self._pool.execute(
            "INSERT INTO mailbox_health (mailbox, connected, error) VALUES ($1, $2, $3)"
            " ON CONFLICT (mailbox) DO UPDATE SET error = EXCLUDED.error, connected = EXCLUDED.connected,"
            " since = CASE WHEN mailbox_health.connected = EXCLUDED.connected THEN mailbox_health.since ELSE now() END",
            mailbox,
            connected,
            error,
        )
