"""Let a manager follow a deal as an observer, or stop them following it."""

from __future__ import annotations

from uuid import UUID

from application.errors import UnknownDeal
from application.event_store import EventStore
from application.sales_records import edit, manager_named
from application.unit_of_work import UnitOfWork
from domain.deal import Deal


def add_deal_observer(
    store: EventStore, deal_id: UUID, observer_id: UUID, by: UUID, expected_version: int | None = None
) -> int:
    """Add a registered manager as an observer; returns the deal's version."""

    def change(deal: Deal, work: UnitOfWork) -> None:
        deal.add_observer(manager_named(work, observer_id, "observer_id"), by)

    return edit(store, deal_id, Deal, expected_version, UnknownDeal, change)


def remove_deal_observer(
    store: EventStore, deal_id: UUID, observer_id: UUID, by: UUID, expected_version: int | None = None
) -> int:
    """Remove an observer; returns the deal's version."""
    stop = lambda deal, _: deal.remove_observer(observer_id, by)  # noqa: E731 - short, and the line stays readable
    return edit(store, deal_id, Deal, expected_version, UnknownDeal, stop)
