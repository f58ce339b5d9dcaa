"""Set a deal's amount by hand, or let it follow its product lines again."""

from __future__ import annotations

from uuid import UUID

from application.errors import UnknownDeal
from application.event_store import EventStore
from application.sales_records import edit
from domain.deal import Deal
from domain.money import Money


def set_deal_amount(
    store: EventStore, deal_id: UUID, amount: object, by: UUID, expected_version: int | None = None
) -> int:
    """``amount`` (decimal text or a Decimal, in the deal's currency) by hand; None: the lines' sum again."""

    def change(deal: Deal, _: object) -> None:
        deal.set_amount(None if amount is None else Money.of(amount, deal.currency), by)

    return edit(store, deal_id, Deal, expected_version, UnknownDeal, change)
