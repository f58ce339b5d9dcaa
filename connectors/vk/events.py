"""What a VK event says, read from its JSON: the same for the Callback API and the Bots Long Poll.

An event is ``{"type", "object", "group_id", "event_id", "v"}`` (the Callback API adds ``secret``).
A customer's new message comes as ``message_new`` (the message under ``object.message`` since API
5.103), an edited one as ``message_edit``; what the community itself sends comes back as
``message_reply``. Only what a customer wrote in a dialog with the community is theirs; everything
else is ignored, and an event that is not what VK documents is refused naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.vk.media import Media, media_of

MESSAGE_NEW, MESSAGE_EDIT, MESSAGE_REPLY, CONFIRMATION = "message_new", "message_edit", "message_reply", "confirmation"
# Peer ids from here up are multi-user chats, not a customer's dialog with the community.
FIRST_CHAT_PEER = 2_000_000_000
MAX_TYPE_LENGTH = 64


class InvalidEvent(ValueError):
    """An event that is not what VK documents; the message names the field and the problem."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


@dataclass(frozen=True)
class Confirmation:
    """VK asks the server to prove it is the community's: answered with the confirmation string."""


@dataclass(frozen=True)
class CustomerWrote:
    """A customer's message in their dialog with the community, new or edited (``edited_at``)."""

    group_id: int
    message_id: int
    peer_id: int
    from_id: int
    text: str
    date: int
    media: tuple[Media, ...] = ()
    media_problems: tuple[str, ...] = ()
    edited_at: int | None = None


@dataclass(frozen=True)
class OwnMessage:
    """A message the community itself sent (our reply, or an admin's), echoed back by VK."""

    message_id: int
    peer_id: int


@dataclass(frozen=True)
class Ignored:
    """An event that carries nothing for the inbox, and why."""

    type: str
    reason: str


Event = Confirmation | CustomerWrote | OwnMessage | Ignored


def read_event(data: Any, group_id: int) -> Event:  # noqa: ANN401 - untrusted JSON
    """What the event means for the community ``group_id``; InvalidEvent if it is not a VK event for it."""
    if not isinstance(data, dict):
        raise InvalidEvent("event", "must be a JSON object")
    kind = data.get("type")
    if not isinstance(kind, str) or not kind or len(kind) > MAX_TYPE_LENGTH:
        raise InvalidEvent("type", "missing, or not a short string")
    sent_for = data.get("group_id")
    if not _is_int(sent_for):
        raise InvalidEvent("group_id", "missing, or not a number")
    if sent_for != group_id:
        raise InvalidEvent("group_id", f"{sent_for} is not this community's ({group_id})")
    if kind == CONFIRMATION:
        return Confirmation()
    if kind not in {MESSAGE_NEW, MESSAGE_EDIT, MESSAGE_REPLY}:
        return Ignored(kind, "not a message")
    return _message(kind, data.get("object"), group_id)


def _message(kind: str, body: object, group_id: int) -> Event:
    if not isinstance(body, dict):
        raise InvalidEvent("object", "missing, or not an object")
    path = "object"
    if kind == MESSAGE_NEW and "message" in body:
        body, path = body["message"], "object.message"
        if not isinstance(body, dict):
            raise InvalidEvent(path, "not an object")
    message_id, peer_id, from_id, date = (_number(body, path, name) for name in ("id", "peer_id", "from_id", "date"))
    if kind == MESSAGE_REPLY or body.get("out") == 1 or from_id == -group_id:
        return OwnMessage(message_id, peer_id)
    if peer_id >= FIRST_CHAT_PEER:
        return Ignored(kind, "a chat with several members, not a customer's dialog with the community")
    if from_id <= 0 or peer_id != from_id:
        return Ignored(kind, "not written by a user in their own dialog")
    text = body.get("text", "")
    if not isinstance(text, str):
        raise InvalidEvent(f"{path}.text", "not a string")
    edited_at = _number(body, path, "update_time") if kind == MESSAGE_EDIT else None
    media, problems = media_of(body.get("attachments"))
    return CustomerWrote(group_id, message_id, peer_id, from_id, text, date, media, tuple(problems), edited_at)


def _number(body: dict[str, Any], path: str, name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidEvent(f"{path}.{name}", "missing, or not a number")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
