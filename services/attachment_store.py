"""The attachment store: file bytes by content hash, in PostgreSQL, shared by every channel and the console.

Customers' files are kept here by the connectors that fetch them (mail, Telegram, VK) before their
message is published; operators' files by the console when they are uploaded, before a reply names
them. A file is stored once however many messages carry it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import asyncpg

from services.tables import ensure_tables

TABLES = """
CREATE TABLE IF NOT EXISTS attachments (
    sha256 text PRIMARY KEY,
    size bigint NOT NULL,
    content bytea NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now()
);
"""


def content_hash(content: bytes) -> str:
    """The key a file is stored by: its SHA-256 in lower-case hex."""
    return hashlib.sha256(content).hexdigest()


async def create_store(pool: asyncpg.Pool) -> None:
    """Create the store's table if it is missing."""
    await ensure_tables(pool, TABLES)


async def keep_files(pool: asyncpg.Pool, contents: Iterable[bytes]) -> list[str]:
    """Store the files' bytes; bytes already stored are not written again. Their hashes, in order."""
    rows = {content_hash(content): content for content in contents}
    await pool.executemany(
        "INSERT INTO attachments (sha256, size, content) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
        [(sha256, len(content), content) for sha256, content in rows.items()],
    )
    return list(rows)


async def file_size(pool: asyncpg.Pool, sha256: str) -> int | None:
    """The size of a stored file; None if no file has that hash."""
    size = await pool.fetchval("SELECT size FROM attachments WHERE sha256 = $1", sha256)
    return int(size) if size is not None else None


async def file_content(pool: asyncpg.Pool, sha256: str) -> bytes | None:
    """A stored file's bytes; None if no file has that hash."""
    content = await pool.fetchval("SELECT content FROM attachments WHERE sha256 = $1", sha256)
    return bytes(content) if content is not None else None
