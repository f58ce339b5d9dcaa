"""Downloading a customer's attachment: only for operators who may see a message that carries it.

The bytes are served as a download, never rendered by the console's origin:
``Content-Disposition: attachment``, no sniffing, a sandbox policy, and a
content type kept only when it is harmless.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import quote

import asyncpg
from starlette.responses import JSONResponse, Response

from services.console.accounts import Operator
from services.projections.schema import LIVE_SCHEMA

S = LIVE_SCHEMA
SHA256 = re.compile(r"[0-9a-f]{64}")
# Types a browser shows without running anything; all else is served as bytes.
HARMLESS_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain"})


@dataclass(frozen=True)
class AttachmentFile:
    """The bytes of an attachment and how a message named them."""

    content: bytes | None
    filename: str
    content_type: str


async def find_attachment(pool: asyncpg.Pool, operator: Operator, sha256: str) -> AttachmentFile | None:
    """The attachment if the operator may see a message or activity carrying it; None otherwise."""
    if not SHA256.fullmatch(sha256):
        return None
    wanted = json.dumps([{"sha256": sha256}])
    rows = await pool.fetch(
        f"SELECT m.attachments, c.manager_id, c.offered_to FROM {S}.messages m"  # noqa: S608
        f" JOIN {S}.conversations c ON c.id = m.conversation_id WHERE m.attachments @> $1::jsonb LIMIT 50",
        wanted,
    )
    visible = [r for r in rows if operator.may_see(r["manager_id"], r["offered_to"])]
    if not visible and operator.role.sees_everything:
        visible = list(
            await pool.fetch(f"SELECT attachments FROM {S}.activities WHERE attachments @> $1::jsonb LIMIT 1", wanted)  # noqa: S608
        )
    if not visible:
        return None
    described = next(a for a in json.loads(visible[0]["attachments"]) if a.get("sha256") == sha256)
    content = None
    if await pool.fetchval("SELECT to_regclass('attachments')") is not None:
        content = await pool.fetchval("SELECT content FROM attachments WHERE sha256 = $1", sha256)
    return AttachmentFile(
        content=bytes(content) if content is not None else None,
        filename=str(described.get("filename") or "attachment"),
        content_type=str(described.get("content_type") or ""),
    )


def download(found: AttachmentFile) -> Response:
    """The HTTP response that hands the file over as a download."""
    if found.content is None:
        return JSONResponse({"error": "the attachment was over the size limit and its bytes were not kept"}, 410)
    media_type = found.content_type if found.content_type in HARMLESS_TYPES else "application/octet-stream"
    return Response(
        found.content,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "Cache-Control": "private, no-store",
        },
    )
