"""Reading a Bot API update: what a customer wrote to a bot, or why the update is none of ours.

An update comes as JSON from Telegram's webhook call or from ``getUpdates``; either way it is read
here, field by field, so a malformed one is refused with the field at fault (``InvalidUpdate``).
Updates that are well formed but carry nothing for the inbox (a button press, a message in a group,
a sticker) are ``Ignored`` with the reason: Telegram would only send them again if refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Deep-link payloads are at most 64 of these characters (t.me/bot?start=PAYLOAD).
_START = re.compile(r"/start(?:@\w+)?(?: +([A-Za-z0-9_-]{1,64}))?\s*")
# Telegram's ids are at most 52 bits and its times are seconds since 1970: anything past these is forged.
_MAX_ID = 2**53
_MAX_TIME = 2**33
_MESSAGE_KINDS = ("message", "edited_message")
# Files a customer sends that become attachments, with what to call them when Telegram gives no name.
_FILE_KINDS = {
    "document": ("", "application/octet-stream"),
    "voice": ("voice.ogg", "audio/ogg"),
    "video_note": ("video_note.mp4", "video/mp4"),
    "video": ("video.mp4", "video/mp4"),
    "audio": ("audio.mp3", "audio/mpeg"),
    "animation": ("animation.mp4", "video/mp4"),
}


class InvalidUpdate(ValueError):
    """An update that is not what the Bot API sends; the message names the field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"'{field}' {problem}")
        self.field = field


class TryLater(Exception):
    """An update could not be taken now (Kafka or the Bot API unreachable): it is to be taken again later."""


@dataclass(frozen=True)
class Ignored:
    """A well-formed update with nothing for the inbox, and why."""

    update_id: int
    reason: str


@dataclass(frozen=True)
class FileRef:
    """A file a message carries, as the Bot API names it; its bytes are fetched with getFile."""

    file_id: str
    file_unique_id: str
    filename: str
    content_type: str
    size: int | None  # as Telegram declared it, when it did


@dataclass(frozen=True)
class SharedContact:
    """A contact card sent in the chat; ``own`` when it is the sender's own (the request-contact button)."""

    phone: str
    name: str
    own: bool


@dataclass(frozen=True)
class CustomerMessage:
    """A customer's message (or edit of one) to a bot in a private chat."""

    update_id: int
    chat_id: int
    user_id: int
    message_id: int
    sent_at: datetime  # for an edit, when it was edited
    text: str
    sender_name: str
    files: tuple[FileRef, ...] = ()
    contact: SharedContact | None = None
    start_payload: str | None = None  # set for /start, "" when it came without a payload
    edited: bool = False


def read_update(data: object) -> CustomerMessage | Ignored:
    """The customer's message in an update, ``Ignored`` for other updates; InvalidUpdate if malformed."""
    update = _object(data, "update")
    update_id = _integer(update, "update_id", "update_id")
    kind = next((k for k in _MESSAGE_KINDS if k in update), None)
    if kind is None:
        known = next((k for k in update if k != "update_id"), "nothing")
        return Ignored(update_id, f"an update of type {known!r} carries no customer message")
    message = _object(update[kind], kind)
    chat = _object(message.get("chat"), f"{kind}.chat")
    chat_id = _integer(chat, "id", f"{kind}.chat.id")
    chat_type = _string(chat, "type", f"{kind}.chat.type")
    if chat_type != "private":
        # A lead is one customer's conversation: a group or channel has nobody to answer one to one.
        return Ignored(update_id, f"a message in a {chat_type} chat, not a private one")
    sender = _object(message.get("from"), f"{kind}.from")
    if sender.get("is_bot") is True:
        return Ignored(update_id, "a message from a bot")
    text = _optional_string(message, "text", f"{kind}.text") or _optional_string(message, "caption", f"{kind}.caption")
    files = _files(message, kind)
    contact = _contact(message, kind, _integer(sender, "id", f"{kind}.from.id"))
    if not (text or files or contact):
        other = next((k for k in message if k not in _ENVELOPE), "nothing")
        return Ignored(update_id, f"a message with {other!r} and no text, file or contact")
    edited = kind == "edited_message"
    start = _START.fullmatch(text) if not edited else None
    return CustomerMessage(
        update_id=update_id,
        chat_id=chat_id,
        user_id=_integer(sender, "id", f"{kind}.from.id"),
        message_id=_integer(message, "message_id", f"{kind}.message_id"),
        sent_at=_time(message, "edit_date" if edited else "date", kind),
        text=text,
        sender_name=_name(sender, f"{kind}.from"),
        files=files,
        contact=contact,
        start_payload=(start.group(1) or "") if start else None,
        edited=edited,
    )


_ENVELOPE = frozenset(
    {"message_id", "from", "chat", "date", "edit_date", "entities", "caption_entities", "message_thread_id"}
)


def _files(message: dict[str, Any], kind: str) -> tuple[FileRef, ...]:
    found = []
    if "photo" in message:
        sizes = message["photo"]
        if not isinstance(sizes, list) or not sizes:
            raise InvalidUpdate(f"{kind}.photo", "must be a non-empty list of sizes")
        # The sizes come smallest first: the largest is the photo as the customer sent it.
        largest = _object(sizes[-1], f"{kind}.photo[-1]")
        found.append(_file(largest, f"{kind}.photo[-1]", "photo.jpg", "image/jpeg"))
    for name, (filename, content_type) in _FILE_KINDS.items():
        if name in message:
            found.append(_file(_object(message[name], f"{kind}.{name}"), f"{kind}.{name}", filename, content_type))
    return tuple(found)


def _file(data: dict[str, Any], where: str, filename: str, content_type: str) -> FileRef:
    size = data.get("file_size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise InvalidUpdate(f"{where}.file_size", "must be a non-negative whole number")
    unique = _string(data, "file_unique_id", f"{where}.file_unique_id")
    return FileRef(
        file_id=_string(data, "file_id", f"{where}.file_id"),
        file_unique_id=unique,
        # A name is the customer's own and may be long; the end of it is the least useful part.
        filename=(_optional_string(data, "file_name", f"{where}.file_name") or filename or unique)[:255],
        content_type=_optional_string(data, "mime_type", f"{where}.mime_type") or content_type,
        size=size,
    )


def _contact(message: dict[str, Any], kind: str, sender_id: int) -> SharedContact | None:
    if "contact" not in message:
        return None
    card = _object(message["contact"], f"{kind}.contact")
    owner = card.get("user_id")
    return SharedContact(
        phone=_string(card, "phone_number", f"{kind}.contact.phone_number"),
        name=_name(card, f"{kind}.contact"),
        own=isinstance(owner, int) and not isinstance(owner, bool) and owner == sender_id,
    )


def _name(person: dict[str, Any], where: str) -> str:
    first = _string(person, "first_name", f"{where}.first_name")
    last = _optional_string(person, "last_name", f"{where}.last_name")
    return f"{first} {last}".strip() if last else first


def _time(message: dict[str, Any], field: str, kind: str) -> datetime:
    seconds = _integer(message, field, f"{kind}.{field}")
    if seconds > _MAX_TIME:
        raise InvalidUpdate(f"{kind}.{field}", "is not a time Telegram could have sent")
    return datetime.fromtimestamp(seconds, tz=UTC)


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidUpdate(where, "must be a JSON object")
    return value


def _integer(data: dict[str, Any], field: str, where: str) -> int:
    value = data.get(field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidUpdate(where, "must be a whole number")
    if abs(value) >= _MAX_ID:
        raise InvalidUpdate(where, "is out of range")
    return value


def _string(data: dict[str, Any], field: str, where: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise InvalidUpdate(where, "must be a non-empty string")
    return value


def _optional_string(data: dict[str, Any], field: str, where: str) -> str:
    value = data.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidUpdate(where, "must be a string")
    return value
