"""Hand a deal to another manager, who becomes responsible for it."""

from __future__ import annotations

from uuid import UUID

from application.errors import UnknownDeal
from application.event_store import EventStore
from application.sales_records import edit, manager_named
from application.unit_of_work import UnitOfWork
from domain.deal import Deal


def change_deal_responsible(
    store: EventStore, deal_id: UUID, manager_id: UUID, by: UUID, expected_version: int | None = None
) -> int:
    """Make ``manager_id`` (a registered manager) responsible; returns the deal's version."""

    def change(deal: Deal, work: UnitOfWork) -> None:
        deal.hand_to(manager_named(work, manager_id, "responsible_id"), by)

    return edit(store, deal_id, Deal, expected_version, UnknownDeal, change)
