"""A lead's routing history: every event of the lead, oldest first, with the reasons of each decision."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.event_store import EventStore
from domain.errors import DomainError
from domain.lead import Lead

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


class UnknownLead(DomainError):
    """No lead has that id."""


def routing_history(store: EventStore, lead: UUID) -> list[dict[str, Any]]:
    """Every event of a lead as plain data: its name, when, and what it carried."""
    if not isinstance(store.load(lead), Lead):
        msg = f"no lead with id {lead}"
        raise UnknownLead(msg)
    return [
        {"event": type(e).__name__, "at": e.timestamp, **{k: v for k, v in vars(e).items() if k not in _ENVELOPE}}
        for e in store.history(lead)
    ]
