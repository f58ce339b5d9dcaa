"""A stored event as the ``domain-events`` topic carries it: the envelope every read model is built from.

The outbox relay writes one record per event of the store, in the store's order; the projections
read them. The envelope is typed here; what an event recorded (``data``) is the event's own, read by
the handler of its ``type``. An event no record could carry is published as a stand-in that keeps
the envelope, no ``data``, and why it was ``withheld``; the event itself waits as a dead letter.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.errors import DomainError
from domain.text import InvalidText, TextKind, checked_text

MAX_TYPE_LENGTH = 256
MAX_NOTIFICATION_ID = 2**63 - 1  # what the read models' position column holds
TOO_LARGE = "too_large"
_MAX_SHOWN = 40


class InvalidPublishedEvent(DomainError, ValueError):
    """A record of the domain-events topic is not an event; the message names the field and the problem."""


@dataclass(frozen=True)
class PublishedEvent:
    """One event of the store, with its place in the store's order (``notification_id``, counted from 1)."""

    notification_id: int
    type: str  # the aggregate's class and the event's, as "Lead.Assigned"
    aggregate_id: UUID
    version: int
    occurred_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)
    withheld: str = ""  # why ``data`` is not here: the event was too large for a record

    def __post_init__(self) -> None:
        # Every record of a replay passes here: the one text rule where text is free (once for each
        # event type, of which a log has a few dozen), and parsing, stricter, for the id and the time.
        _number("notification_id", self.notification_id, 1, MAX_NOTIFICATION_ID)
        if isinstance(self.type, str):
            _checked_type(self.type)
        else:
            _text("type", self.type, MAX_TYPE_LENGTH, required=True)
        if self.withheld:
            _text("withheld", self.withheld, MAX_TYPE_LENGTH, required=True)
        _number("version", self.version, 0, MAX_NOTIFICATION_ID)
        if self.occurred_at.tzinfo is None:
            msg = "'occurred_at' must carry a time zone"
            raise InvalidPublishedEvent(msg)
        if self.withheld and self.data:
            msg = "a withheld event carries no 'data'"
            raise InvalidPublishedEvent(msg)

    @classmethod
    def stored(  # noqa: PLR0913 - the envelope's fields
        cls,
        notification_id: int,
        event_type: str,
        aggregate_id: UUID,
        version: int,
        occurred_at: datetime,
        data: dict[str, Any],
    ) -> PublishedEvent:
        """``PublishedEvent(...)`` of these fields, not withheld: the same event, or the same error, in half the time.

        A replay makes one for each of millions of stored events; the frozen dataclass's ``__init__``
        sets each field through ``object.__setattr__``, and its checks are for any input, where
        here what is usual (whole numbers in range, a known type, a time zone) is looked at first.
        """
        event = object.__new__(cls)
        object.__setattr__(
            event,
            "__dict__",
            {
                "notification_id": notification_id,
                "type": event_type,
                "aggregate_id": aggregate_id,
                "version": version,
                "occurred_at": occurred_at,
                "data": data,
                "withheld": "",
            },
        )
        if (
            type(notification_id) is not int
            or not 1 <= notification_id <= MAX_NOTIFICATION_ID
            or type(version) is not int
            or not 0 <= version <= MAX_NOTIFICATION_ID
            or type(event_type) is not str
            or occurred_at.tzinfo is None
        ):
            event.__post_init__()  # refuses it as the constructor does, or accepts it
        else:
            _checked_type(event_type)
        return event

    def to_dict(self) -> dict[str, Any]:
        """The event as plain JSON-ready data, as the topic carries it."""
        data: dict[str, Any] = {
            "notification_id": self.notification_id,
            "type": self.type,
            "aggregate_id": str(self.aggregate_id),
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "data": None if self.withheld else dict(self.data),
        }
        if self.withheld:
            data["withheld"] = self.withheld
        return data

    def stand_in(self, why: str = TOO_LARGE) -> PublishedEvent:
        """What is published in place of this event when no record can carry it: the envelope, no data."""
        return PublishedEvent(
            self.notification_id, self.type, self.aggregate_id, self.version, self.occurred_at, {}, why
        )

    @classmethod
    def from_dict(cls, data: Any) -> PublishedEvent:  # noqa: ANN401 - untrusted input
        """Validate untrusted data into an event, or raise InvalidPublishedEvent naming the field."""
        if not isinstance(data, dict):
            msg = "an event must be a JSON object"
            raise InvalidPublishedEvent(msg)
        notification_id = _number("notification_id", data.get("notification_id"), 1, MAX_NOTIFICATION_ID)
        withheld: Any = data.get("withheld") or ""
        recorded = data.get("data")
        if recorded is None and withheld:
            recorded = {}
        if not isinstance(recorded, dict):
            msg = f"'data' must be a JSON object, not {type(recorded).__name__}"
            raise InvalidPublishedEvent(msg)
        given: dict[str, Any] = data
        # The type, the version and why it was withheld are checked as the event is made.
        return cls(
            notification_id=notification_id,
            type=given.get("type"),  # type: ignore[arg-type]
            aggregate_id=_uuid(data.get("aggregate_id")),
            version=given.get("version"),  # type: ignore[arg-type]
            occurred_at=_time(data.get("occurred_at")),
            data=recorded,
            withheld=withheld,
        )


@functools.lru_cache(maxsize=256)
def _checked_type(value: str) -> str:
    """An event type checked by the text rule; one that passed is remembered, one refused is not."""
    return _text("type", value, MAX_TYPE_LENGTH, required=True)


def _number(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        msg = f"'{name}' must be a whole number from {low} to {high}, not {str(value)[:_MAX_SHOWN]!r}"
        raise InvalidPublishedEvent(msg)
    return value


def _text(name: str, value: object, max_length: int, *, required: bool) -> str:
    try:
        return checked_text(name, value, max_length=max_length, kind=TextKind.IDENTIFIER, required=required)
    except InvalidText as invalid:
        raise InvalidPublishedEvent(str(invalid)) from invalid


def _uuid(value: object) -> UUID:
    if not isinstance(value, str):
        msg = f"'aggregate_id' must be a string, not {type(value).__name__}"
        raise InvalidPublishedEvent(msg)
    try:
        return UUID(value)
    except ValueError:
        msg = f"'aggregate_id' {value[:_MAX_SHOWN]!r} is not a UUID"
        raise InvalidPublishedEvent(msg) from None


def _time(value: object) -> datetime:
    if not isinstance(value, str):
        msg = f"'occurred_at' must be a string, not {type(value).__name__}"
        raise InvalidPublishedEvent(msg)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        msg = f"'occurred_at' {value[:_MAX_SHOWN]!r} is not an ISO 8601 time"
        raise InvalidPublishedEvent(msg) from None
