"""The files a VK message carries that the inbox keeps: photos, documents and voice messages.

Each is described from the message's own JSON; fetching the bytes is ``downloads.py``'s. Other
kinds (stickers, videos, wall posts, links) are not files to keep and are left out.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Any

PHOTO, DOC, AUDIO_MESSAGE = "photo", "doc", "audio_message"


@dataclass(frozen=True)
class Media:
    """One file of a message: where to fetch it, what to call it, and what VK says of its size."""

    kind: str
    url: str
    filename: str
    content_type: str
    declared_size: int | None
    identity: str  # VK's own name for it, e.g. "doc123_456"


def media_of(attachments: object) -> tuple[tuple[Media, ...], list[str]]:
    """The files among a message's attachments, and what was wrong with those that could not be read."""
    if attachments is None:
        return (), []
    if not isinstance(attachments, list):
        return (), ["attachments is not a list"]
    found: list[Media] = []
    problems: list[str] = []
    for index, item in enumerate(attachments):
        kind = item.get("type") if isinstance(item, dict) else None
        reader = _READERS.get(kind) if isinstance(kind, str) else None
        if reader is None:
            continue
        body = item.get(kind)
        media = reader(body) if isinstance(body, dict) else None
        if media is None:
            problems.append(f"attachments[{index}] ({kind}) has no address to fetch it from")
        else:
            found.append(media)
    return tuple(found), problems


def _identity(kind: str, body: dict[str, Any]) -> str:
    owner, number = body.get("owner_id"), body.get("id")
    return f"{kind}{owner}_{number}" if isinstance(owner, int) and isinstance(number, int) else kind


def _web_address(value: object) -> str | None:
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _photo(body: dict[str, Any]) -> Media | None:
    sizes = [s for s in body.get("sizes") or [] if isinstance(s, dict) and _web_address(s.get("url"))]
    if not sizes:
        return None

    def area(size: dict[str, Any]) -> int:
        width, height = size.get("width"), size.get("height")
        return width * height if isinstance(width, int) and isinstance(height, int) else 0

    largest = max(sizes, key=area)
    identity = _identity(PHOTO, body)
    return Media(PHOTO, largest["url"], f"{identity}.jpg", "image/jpeg", None, identity)


def _doc(body: dict[str, Any]) -> Media | None:
    url = _web_address(body.get("url"))
    if url is None:
        return None
    identity = _identity(DOC, body)
    title = body.get("title") if isinstance(body.get("title"), str) else ""
    ext = body.get("ext") if isinstance(body.get("ext"), str) else ""
    filename = title or identity
    if ext and not filename.lower().endswith(f".{ext.lower()}"):
        filename = f"{filename}.{ext}"
    size = body.get("size")
    declared = size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return Media(DOC, url, filename, content_type, declared, identity)


def _audio_message(body: dict[str, Any]) -> Media | None:
    identity = _identity(AUDIO_MESSAGE, body)
    ogg, mp3 = _web_address(body.get("link_ogg")), _web_address(body.get("link_mp3"))
    if ogg:
        return Media(AUDIO_MESSAGE, ogg, f"{identity}.ogg", "audio/ogg", None, identity)
    if mp3:
        return Media(AUDIO_MESSAGE, mp3, f"{identity}.mp3", "audio/mpeg", None, identity)
    return None


_READERS = {PHOTO: _photo, DOC: _doc, AUDIO_MESSAGE: _audio_message}
