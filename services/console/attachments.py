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

from services.attachment_store import file_content
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
    everyone = operator.role.sees_everything
    # Who may see is decided in the query, so a file in many messages is found for whoever may see one.
    carriers = await pool.fetch(
        f"SELECT m.attachments FROM {S}.messages m JOIN {S}.conversations c ON c.id = m.conversation_id"  # noqa: S608
        " WHERE m.attachments @> $1::jsonb AND ($2 OR c.manager_id = $3 OR $3 = ANY(c.offered_to)) LIMIT 1",
        wanted,
        everyone,
        operator.manager_id,
    )
    if not carriers:
        # A file on an activity: for those who may see the contact's activities.
        carriers = await pool.fetch(
            f"SELECT a.attachments FROM {S}.activities a WHERE a.attachments @> $1::jsonb AND ($2 OR EXISTS"  # noqa: S608
            f" (SELECT 1 FROM {S}.conversations c WHERE c.contact_id = a.contact_id AND c.manager_id = $3)) LIMIT 1",
            wanted,
            everyone,
            operator.manager_id,
        )
    if not carriers:
        return None
    described = next(a for a in json.loads(carriers[0]["attachments"]) if a.get("sha256") == sha256)
    return AttachmentFile(
        content=await file_content(pool, sha256),
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
