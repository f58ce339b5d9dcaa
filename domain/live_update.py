"""What the projections tell the gateways after a batch: which read models changed, for the consoles' live updates.

It travels as PostgreSQL NOTIFY payloads, JSON objects of at most ``NOTIFY_LIMIT`` bytes:
``{"conversation_ids": [...], "message_notification_ids": [...]}``. Payloads written under the
earlier one-letter names, ``{"c": [...], "m": [...]}``, are read too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.errors import DomainError

NOTIFY_LIMIT = 7000  # bytes; PostgreSQL refuses a payload of 8000, and a margin costs nothing
CONVERSATIONS, MESSAGES = "conversation_ids", "message_notification_ids"
_EARLIER_NAMES = {CONVERSATIONS: "c", MESSAGES: "m"}
_MAX_NOTIFICATION_ID = 2**63 - 1


class InvalidLiveUpdate(DomainError, ValueError):
    """A live-update notification is malformed; the message names the field and the problem."""


@dataclass(frozen=True)
class ReadModelsChanged:
    """The conversations whose row changed, and the messages added, by their notification ids."""

    conversation_ids: tuple[UUID, ...] = ()
    message_notification_ids: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The change as plain JSON-ready data."""
        return {
            CONVERSATIONS: [str(conversation) for conversation in self.conversation_ids],
            MESSAGES: list(self.message_notification_ids),
        }

    def payloads(self, limit: int = NOTIFY_LIMIT) -> list[str]:
        """The change as NOTIFY payloads of at most ``limit`` bytes each, in order; none when nothing changed."""
        payloads: list[str] = []
        chunk: dict[str, list[Any]] = {CONVERSATIONS: [], MESSAGES: []}
        empty = size = len(json.dumps(chunk))
        items: list[tuple[str, str | int]] = [(CONVERSATIONS, str(c)) for c in self.conversation_ids]
        items += [(MESSAGES, m) for m in self.message_notification_ids]
        for name, item in items:
            cost = len(json.dumps(item)) + len(", ")
            if size + cost > limit and size > empty:
                payloads.append(json.dumps(chunk))
                chunk, size = {CONVERSATIONS: [], MESSAGES: []}, empty
            chunk[name].append(item)
            size += cost
        if size > empty:
            payloads.append(json.dumps(chunk))
        return payloads

    @classmethod
    def from_dict(cls, data: Any) -> ReadModelsChanged:  # noqa: ANN401 - untrusted input
        """Validate a notification's data, or raise InvalidLiveUpdate naming the field."""
        if not isinstance(data, dict):
            msg = "a live update must be a JSON object"
            raise InvalidLiveUpdate(msg)
        conversations = _listed(data, CONVERSATIONS)
        messages = _listed(data, MESSAGES)
        return cls(
            conversation_ids=tuple(_conversation(value, index) for index, value in enumerate(conversations)),
            message_notification_ids=tuple(_notification(value, index) for index, value in enumerate(messages)),
        )

    @classmethod
    def from_payload(cls, payload: str) -> ReadModelsChanged:
        """Read one NOTIFY payload, or raise InvalidLiveUpdate."""
        try:
            data = json.loads(payload)
        except (ValueError, RecursionError) as error:
            msg = f"a live update must be JSON: {type(error).__name__}"
            raise InvalidLiveUpdate(msg) from None
        return cls.from_dict(data)


def _listed(data: dict[str, Any], name: str) -> list[Any]:
    value = data.get(name, data.get(_EARLIER_NAMES[name], []))
    if not isinstance(value, list):
        msg = f"'{name}' must be a list"
        raise InvalidLiveUpdate(msg)
    return value


def _conversation(value: object, index: int) -> UUID:
    try:
        if not isinstance(value, str):
            raise TypeError  # noqa: TRY301 - one message for every way it is not a UUID
        return UUID(value)
    except (TypeError, ValueError):
        msg = f"'{CONVERSATIONS}[{index}]' must be a UUID, not {str(value)[:40]!r}"
        raise InvalidLiveUpdate(msg) from None


def _notification(value: object, index: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_NOTIFICATION_ID:
        msg = f"'{MESSAGES}[{index}]' must be a notification id, a whole number from 1, not {str(value)[:40]!r}"
        raise InvalidLiveUpdate(msg)
    return value
