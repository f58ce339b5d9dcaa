"""Fetching a message's files from VK's servers, within the size the attachment store keeps.

A file over the limit (by VK's word, or found so while reading) is described but its bytes are
not kept; it is named by a hash of where VK keeps it, since its content was never read. A file
VK no longer has (4xx) is described the same way. No answer, or a server error, is temporary:
the event is tried again later rather than stored without a file it still has.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import httpx

from connectors.vk.media import Media


class MediaUnavailable(Exception):
    """VK's file server did not answer, or failed: the message is tried again later."""


@dataclass(frozen=True)
class Fetched:
    """A message's file: its content hash and bytes, or None when they were not kept (and why)."""

    media: Media
    sha256: str
    content: bytes | None
    size: int
    not_kept: str = ""


async def fetch(client: httpx.AsyncClient, media: Media, max_bytes: int) -> Fetched:
    """The file's bytes if it is within ``max_bytes``; MediaUnavailable if VK's server did not answer."""
    declared = media.declared_size or 0
    if declared > max_bytes:
        return _described(media, declared, "over the size limit")
    chunks: list[bytes] = []
    read = 0
    try:
        async with client.stream("GET", media.url) as response:
            if (
                response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR
                or response.status_code == httpx.codes.TOO_MANY_REQUESTS
            ):
                raise MediaUnavailable(f"{media.identity}: the file server answered {response.status_code}")
            if response.status_code >= httpx.codes.BAD_REQUEST:
                return _described(media, declared, f"the file server answered {response.status_code}")
            length = response.headers.get("content-length", "")
            declared = max(declared, int(length) if length.isdigit() else 0)
            if declared > max_bytes:
                return _described(media, declared, "over the size limit")
            async for chunk in response.aiter_bytes():
                read += len(chunk)
                if read > max_bytes:
                    return _described(media, max(read, declared), "over the size limit")
                chunks.append(chunk)
    except httpx.HTTPError as error:
        raise MediaUnavailable(f"{media.identity}: {type(error).__name__}") from None
    content = b"".join(chunks)
    return Fetched(media, hashlib.sha256(content).hexdigest(), content, len(content))


def _described(media: Media, size: int, why: str) -> Fetched:
    stand_in = hashlib.sha256(f"vk {media.identity} {media.url}".encode()).hexdigest()
    return Fetched(media, stand_in, None, size, why)
