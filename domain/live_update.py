"""What the projections tell the gateways after a batch: which read models changed, for the consoles' live updates.

It travels as PostgreSQL NOTIFY payloads, JSON objects of at most ``NOTIFY_LIMIT`` bytes:
``{"conversation_ids": [...], "message_notification_ids": [...], "deal_ids": [...], "activity_ids": [...],
"reminder_activity_ids": [...], "contact_ids": [...], "company_ids": [...], "lead_ids": [...],
"converted_lead_ids": [...]}``; a list with nothing in it is left out, except the first two. Payloads
written under the earlier one-letter names, ``{"c": [...], "m": [...]}``, and those written before
deals and activities (or contacts, companies, leads and conversions) were told, are read too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any
from uuid import UUID

from domain.errors import DomainError

NOTIFY_LIMIT = 7000  # bytes; PostgreSQL refuses a payload of 8000, and a margin costs nothing
CONVERSATIONS, MESSAGES = "conversation_ids", "message_notification_ids"
DEALS, ACTIVITIES, REMINDERS = "deal_ids", "activity_ids", "reminder_activity_ids"
CONTACTS, COMPANIES, LEADS = "contact_ids", "company_ids", "lead_ids"
CONVERSIONS = "converted_lead_ids"
_EARLIER_NAMES = {CONVERSATIONS: "c", MESSAGES: "m"}
_ALWAYS_WRITTEN = (CONVERSATIONS, MESSAGES)  # what readers written before the others came expect
_MAX_NOTIFICATION_ID = 2**63 - 1


class InvalidLiveUpdate(DomainError, ValueError):
    """A live-update notification is malformed; the message names the field and the problem."""


@dataclass(frozen=True)
class ReadModelsChanged:
    """What changed: conversations, messages added (by notification id), deals, activities, reminders fired.

    ``reminder_activity_ids`` are the activities whose reminder fired in the batch: each is in the log
    once, so each is told once.
    """

    conversation_ids: tuple[UUID, ...] = ()
    message_notification_ids: tuple[int, ...] = ()
    deal_ids: tuple[UUID, ...] = ()
    activity_ids: tuple[UUID, ...] = ()
    reminder_activity_ids: tuple[UUID, ...] = ()
    contact_ids: tuple[UUID, ...] = ()
    company_ids: tuple[UUID, ...] = ()
    lead_ids: tuple[UUID, ...] = ()
    converted_lead_ids: tuple[UUID, ...] = ()  # leads converted into a contact, a company or a deal

    def to_dict(self) -> dict[str, Any]:
        """The change as plain JSON-ready data."""
        data: dict[str, Any] = {name: [] for name in _ALWAYS_WRITTEN}
        for name, item in self._items():
            data.setdefault(name, []).append(item)
        return data

    def payloads(self, limit: int = NOTIFY_LIMIT) -> list[str]:
        """The change as NOTIFY payloads of at most ``limit`` bytes each, in order; none when nothing changed."""
        payloads: list[str] = []
        chunk: dict[str, list[Any]] = {name: [] for name in _ALWAYS_WRITTEN}
        empty = size = len(json.dumps(chunk))
        for name, item in self._items():
            if size + _cost(chunk, name, item) > limit and size > empty:
                payloads.append(json.dumps(chunk))
                chunk, size = {name: [] for name in _ALWAYS_WRITTEN}, empty
            size += _cost(chunk, name, item)
            chunk.setdefault(name, []).append(item)
        if size > empty:
            payloads.append(json.dumps(chunk))
        return payloads

    def _items(self) -> list[tuple[str, str | int]]:
        items: list[tuple[str, str | int]] = []
        for each in fields(self):
            values = getattr(self, each.name)
            items += [(each.name, v if each.name == MESSAGES else str(v)) for v in values]
        return items

    @classmethod
    def from_dict(cls, data: Any) -> ReadModelsChanged:  # noqa: ANN401 - untrusted input
        """Validate a notification's data, or raise InvalidLiveUpdate naming the field."""
        if not isinstance(data, dict):
            msg = "a live update must be a JSON object"
            raise InvalidLiveUpdate(msg)
        return cls(
            conversation_ids=_uuids(data, CONVERSATIONS),
            message_notification_ids=tuple(
                _notification(value, index) for index, value in enumerate(_listed(data, MESSAGES))
            ),
            deal_ids=_uuids(data, DEALS),
            activity_ids=_uuids(data, ACTIVITIES),
            reminder_activity_ids=_uuids(data, REMINDERS),
            contact_ids=_uuids(data, CONTACTS),
            company_ids=_uuids(data, COMPANIES),
            lead_ids=_uuids(data, LEADS),
            converted_lead_ids=_uuids(data, CONVERSIONS),
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


def _cost(chunk: dict[str, list[Any]], name: str, item: str | int) -> int:
    """What adding ``item`` to the chunk's list ``name`` adds to its JSON, at most; a new list adds its name."""
    return len(json.dumps(item)) + len(", ") + (0 if name in chunk else len(json.dumps(name)) + len(": [], "))


def _listed(data: dict[str, Any], name: str) -> list[Any]:
    earlier = _EARLIER_NAMES.get(name)
    value = data.get(name, data.get(earlier, []) if earlier else [])
    if not isinstance(value, list):
        msg = f"'{name}' must be a list"
        raise InvalidLiveUpdate(msg)
    return value


def _uuids(data: dict[str, Any], name: str) -> tuple[UUID, ...]:
    return tuple(_uuid(value, name, index) for index, value in enumerate(_listed(data, name)))


def _uuid(value: object, name: str, index: int) -> UUID:
    try:
        if not isinstance(value, str):
            raise TypeError  # noqa: TRY301 - one message for every way it is not a UUID
        return UUID(value)
    except (TypeError, ValueError):
        msg = f"'{name}[{index}]' must be a UUID, not {str(value)[:40]!r}"
        raise InvalidLiveUpdate(msg) from None


def _notification(value: object, index: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_NOTIFICATION_ID:
        msg = f"'{MESSAGES}[{index}]' must be a notification id, a whole number from 1, not {str(value)[:40]!r}"
        raise InvalidLiveUpdate(msg)
    return value
