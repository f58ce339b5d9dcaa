"""Change a deal's product line: its name, price, quantity, discount or tax."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.errors import UnknownDeal
from application.event_store import EventStore
from application.sales_records import edit
from application.unit_of_work import UnitOfWork
from domain.deal import Deal
from domain.errors import InvalidField
from domain.money import Money
from domain.product_line import ProductLine


@dataclass(frozen=True)
class LineChange:
    """The fields to change; None keeps a field."""

    name: str | None = None
    price: object = None
    quantity: object = None
    discount_percent: object = None
    tax_percent: object = None


def change_deal_line(  # noqa: PLR0913 - which deal and line, the change, who, and the version seen
    store: EventStore,
    deal_id: UUID,
    line_id: UUID,
    changes: LineChange,
    by: UUID,
    expected_version: int | None = None,
) -> int:
    """Change the line; returns the deal's version."""

    def change(deal: Deal, _: UnitOfWork) -> None:
        old = deal.lines.get(line_id)
        if old is None:
            raise InvalidField("line_id", f"the deal has no line {line_id}")
        new = ProductLine.checked(
            line_id,
            old.product_id,
            old.name if changes.name is None else changes.name,
            old.price if changes.price is None else Money.of(changes.price, deal.currency, field="price"),
            old.quantity if changes.quantity is None else changes.quantity,
            old.discount_percent if changes.discount_percent is None else changes.discount_percent,
            old.tax_percent if changes.tax_percent is None else changes.tax_percent,
        )
        deal.change_line(new, by)

    return edit(store, deal_id, Deal, expected_version, UnknownDeal, change)
