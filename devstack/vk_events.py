"""VK events as the Callback API and the Bots Long Poll deliver them (API 5.199), for the tests and the benchmark."""

from __future__ import annotations

import itertools
from typing import Any

API_VERSION = "5.199"

_event_ids = itertools.count(1)


def message_new(  # noqa: PLR0913 - a message as VK describes it
    group_id: int,
    message_id: int,
    user_id: int,
    text: str,
    *,
    date: int = 1_767_225_600,
    attachments: list[dict[str, Any]] | None = None,
    secret: str | None = None,
) -> dict[str, Any]:
    """A ``message_new`` event as the Callback API and the long poll send it (API 5.103 and later)."""
    message = {
        "date": date,
        "from_id": user_id,
        "id": message_id,
        "out": 0,
        "peer_id": user_id,
        "text": text,
        "conversation_message_id": message_id,
        "attachments": attachments or [],
        "important": False,
        "is_hidden": False,
    }
    client_info = {"button_actions": ["text"], "keyboard": True, "inline_keyboard": True, "lang_id": 0}
    return _event("message_new", group_id, {"message": message, "client_info": client_info}, secret)


def message_edit(  # noqa: PLR0913 - an edit as VK describes it
    group_id: int, message_id: int, user_id: int, text: str, *, update_time: int, secret: str | None = None
) -> dict[str, Any]:
    """A ``message_edit`` event: the message itself is the object."""
    message = {
        "date": 1_767_225_600,
        "from_id": user_id,
        "id": message_id,
        "out": 0,
        "peer_id": user_id,
        "text": text,
        "update_time": update_time,
        "attachments": [],
    }
    return _event("message_edit", group_id, message, secret)


def message_reply(group_id: int, message_id: int, user_id: int, text: str, secret: str | None = None) -> dict[str, Any]:
    """A ``message_reply`` event: what the community sent, echoed back."""
    message = {
        "date": 1_767_225_700,
        "from_id": -group_id,
        "id": message_id,
        "out": 1,
        "peer_id": user_id,
        "text": text,
    }
    return _event("message_reply", group_id, message, secret)


def _event(kind: str, group_id: int, body: dict[str, Any], secret: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "group_id": group_id,
        "type": kind,
        "event_id": f"{next(_event_ids):040x}",
        "v": API_VERSION,
        "object": body,
    }
    if secret is not None:
        event["secret"] = secret
    return event
