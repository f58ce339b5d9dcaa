"""Stored events in the published language of the domain-events topic."""

from __future__ import annotations

import enum
import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Notification

from domain.published_event import PublishedEvent
from services.projections.event_log import stored_event

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def public_event(app: Application[UUID], notification: Notification) -> PublishedEvent:
    """One notification of the event store as the domain-events topic carries it."""
    event = app.mapper.to_domain_event(notification)
    assert isinstance(event, DomainEvent)  # every event of our aggregates is one
    data = {k: _plain(v) for k, v in vars(event).items() if k not in _ENVELOPE}
    return PublishedEvent(
        notification_id=notification.id,
        type=type(event).__qualname__,
        aggregate_id=UUID(str(notification.originator_id)),
        version=notification.originator_version,
        occurred_at=event.timestamp,
        data=data,
    )


def stored_public_event(notification: Notification) -> PublishedEvent:
    """``public_event`` read straight from the stored JSON: no event object is made, nor its attributes walked.

    The relay publishes every stored event; making each one's event object from its state and
    turning its attributes back into plain values was a fifth of what relaying cost. The stored
    state is the same attributes already plain, but for the tags of ids, times and amounts, which
    the replay's reader puts in their published form.
    """
    return stored_event(
        notification.id,
        notification.originator_id,
        notification.originator_version,
        notification.topic,
        notification.state,
    )


def encode(event: PublishedEvent) -> bytes:
    """Serialize a public event for Kafka; ValueError for text no UTF-8 can carry (a lone surrogate)."""
    try:
        return orjson.dumps(event.to_dict())
    except orjson.JSONEncodeError:  # what only the standard library writes, or refuses with a ValueError
        return json.dumps(event.to_dict(), separators=(",", ":"), ensure_ascii=False).encode()


def _plain(value: Any) -> Any:  # noqa: ANN401 - any event attribute
    if isinstance(value, UUID | Decimal):  # a lead's amount: decimal text, as every amount on the topic
        return f"{value:f}" if isinstance(value, Decimal) else str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
