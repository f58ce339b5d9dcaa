"""Fetching the files a customer sent (``getFile``, then the download), within the size the store keeps.

A file is named by the SHA-256 of its bytes, as mail attachments are. A file over the limit is
not downloaded at all when Telegram declared its size; it is then named by the SHA-256 of
``telegram-file:`` and its unique id, and shown to operators as not kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from connectors.telegram.api import Failure, failure_of, scrubbed
from connectors.telegram.updates import FileRef
from domain.attachments import Attachment


class FileUnavailable(Exception):
    """The Bot API could not be reached for a file: the update is to be taken again later."""


@dataclass(frozen=True)
class FetchedFile:
    """An attachment, and its bytes when they are kept."""

    attachment: Attachment
    content: bytes | None


async def fetch_file(bot: Bot, ref: FileRef, max_bytes: int) -> FetchedFile:
    """The file's attachment and bytes; FileUnavailable when the Bot API cannot be reached now."""
    if ref.size is not None and ref.size > max_bytes:
        return not_kept(ref, ref.size)
    try:
        found = await bot.get_file(ref.file_id)
        if found.file_size is not None and found.file_size > max_bytes:
            return not_kept(ref, found.file_size)
        content = bytes(await found.download_as_bytearray())
    except BadRequest:
        # Telegram will not hand this file to bots (over its own 20 MB, or gone): shown as not kept.
        return not_kept(ref, ref.size or 0)
    except TelegramError as error:
        if failure_of(error) is Failure.REFUSED:
            return not_kept(ref, ref.size or 0)
        raise FileUnavailable(scrubbed(error, bot.token)) from None
    kept = len(content) <= max_bytes
    attachment = Attachment(
        sha256=hashlib.sha256(content).hexdigest(),
        filename=ref.filename,
        content_type=ref.content_type,
        size=len(content),
        kept=kept,
    )
    return FetchedFile(attachment, content if kept else None)


def not_kept(ref: FileRef, size: int) -> FetchedFile:
    """The file as an attachment not kept, named by its unique id: for files not downloaded."""
    marker = hashlib.sha256(f"telegram-file:{ref.file_unique_id}".encode()).hexdigest()
    return FetchedFile(Attachment(marker, ref.filename, ref.content_type, size, kept=False), None)
