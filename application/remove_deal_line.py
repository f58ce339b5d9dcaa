"""Remove a product line from a deal."""

from __future__ import annotations

from uuid import UUID

from application.errors import UnknownDeal
from application.event_store import EventStore
from application.sales_records import edit
from domain.deal import Deal


def remove_deal_line(
    store: EventStore, deal_id: UUID, line_id: UUID, by: UUID, expected_version: int | None = None
) -> int:
    """Remove the line; returns the deal's version."""
    return edit(store, deal_id, Deal, expected_version, UnknownDeal, lambda deal, _: deal.remove_line(line_id, by))
