"""Operators' files for their replies: uploaded into the attachment store, then named by a reply.

``POST /api/attachments`` takes the file's bytes as the body, its type as ``Content-Type`` and its
name as ``X-Filename`` (percent-encoded UTF-8), and answers with the attachment a reply names:
``{"sha256", "filename", "content_type", "size"}``. The bytes are kept by content hash, so the
same file uploaded twice is stored once. A reply then names uploaded files by hash; the console
checks each is in the store before the reply is recorded (``replied_files``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import asyncpg
import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.attachments import MAX_CONTENT_TYPE_LENGTH, MAX_FILENAME_LENGTH, Attachment
from domain.text import InvalidText, TextKind, checked_text
from services.attachment_store import file_size, keep_files
from services.console.accounts import Operator

log = structlog.get_logger()

MAX_FILES_PER_REPLY = 10
Authenticate = Callable[[Request], Awaitable[Operator | None]]
Handler = Callable[[Request], Awaitable[Response]]


def upload_route(
    pool: Callable[[], asyncpg.Pool], authenticate: Authenticate
) -> Callable[[Request], Awaitable[Response]]:
    """The handler of ``POST /api/attachments``."""

    async def upload(request: Request) -> Response:
        operator = await authenticate(request)
        if operator is None:
            return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
        try:
            filename = checked_text(
                "X-Filename",
                unquote(request.headers.get("x-filename", ""), errors="strict"),
                max_length=MAX_FILENAME_LENGTH,
                kind=TextKind.LINE,
            )
            content_type = checked_text(
                "Content-Type",
                request.headers.get("content-type", "application/octet-stream").split(";")[0].strip().lower(),
                max_length=MAX_CONTENT_TYPE_LENGTH,
                kind=TextKind.IDENTIFIER,
            )
        except (InvalidText, UnicodeDecodeError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        content = await request.body()  # within the upload limit: checked before the route is reached
        if not content:
            return JSONResponse({"error": "the body must hold the file's bytes; it is empty"}, status_code=400)
        (sha256,) = await keep_files(pool(), [content])
        log.info("attachment_uploaded", manager_id=str(operator.manager_id), sha256=sha256, size=len(content))
        return JSONResponse(
            {"sha256": sha256, "filename": filename, "content_type": content_type, "size": len(content)},
            status_code=201,
        )

    return upload


async def replied_files(pool: asyncpg.Pool, given: object) -> tuple[Attachment, ...]:
    """The files a reply frame names (``[{"sha256", "filename", "content_type"}]``), each found in the store.

    ValueError naming the file if the list is malformed or names a file nobody uploaded.
    """
    if given is None:
        return ()
    if not isinstance(given, list) or len(given) > MAX_FILES_PER_REPLY:
        msg = f"'attachments' must be a list of at most {MAX_FILES_PER_REPLY} uploaded files"
        raise ValueError(msg)
    files = []
    for index, item in enumerate(given):
        files.append(await _stored(pool, f"attachments[{index}]", item))
    return tuple(files)


async def _stored(pool: asyncpg.Pool, field: str, item: Any) -> Attachment:  # noqa: ANN401 - a client's frame
    if not isinstance(item, dict):
        msg = f"'{field}' must be an object with sha256, filename and content_type"
        raise ValueError(msg)  # noqa: TRY004 - a client's frame: refused as bad input, like every field
    sha256 = checked_text(f"{field}.sha256", item.get("sha256"), max_length=64, kind=TextKind.IDENTIFIER)
    filename = checked_text(
        f"{field}.filename", item.get("filename"), max_length=MAX_FILENAME_LENGTH, kind=TextKind.LINE
    )
    content_type = checked_text(
        f"{field}.content_type",
        item.get("content_type") or "application/octet-stream",
        max_length=MAX_CONTENT_TYPE_LENGTH,
        kind=TextKind.IDENTIFIER,
    )
    size = await file_size(pool, sha256)
    if size is None:
        msg = f"'{field}': no uploaded file has this sha256; upload it with POST /api/attachments first"
        raise ValueError(msg)
    return Attachment(sha256=sha256, filename=filename, content_type=content_type, size=size, kept=True)
