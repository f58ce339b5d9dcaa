"""Add a product line to a deal, from the catalogue or typed in; the amount follows unless set by hand."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from application.errors import UnknownDeal
from application.event_store import EventStore
from application.sales_records import edit
from application.unit_of_work import UnitOfWork
from domain.deal import Deal
from domain.errors import InvalidField
from domain.money import Money
from domain.product import Product
from domain.product_line import ProductLine


@dataclass(frozen=True)
class NewLine:
    """A line as the user enters it: a catalogue product (its name and price by default), or a name and a price."""

    product_id: UUID | None = None
    name: str | None = None
    price: object = None  # decimal text or a Decimal, in the deal's currency
    quantity: object = 1
    discount_percent: object = 0
    tax_percent: object = 0
    line_id: UUID | None = None


@dataclass(frozen=True)
class LineAdded:
    """The line's id and the deal's version after it."""

    line_id: UUID
    version: int


def add_deal_line(
    store: EventStore, deal_id: UUID, line: NewLine, by: UUID, expected_version: int | None = None
) -> LineAdded:
    """Add ``line`` to the deal."""
    line_id = line.line_id or uuid4()

    def change(deal: Deal, work: UnitOfWork) -> None:
        deal.add_line(priced_line(work, deal, line, line_id), by)

    return LineAdded(line_id, edit(store, deal_id, Deal, expected_version, UnknownDeal, change))


def priced_line(work: UnitOfWork, deal: Deal, line: NewLine, line_id: UUID) -> ProductLine:
    """The line checked, with the catalogue product's name and price where the user gave none."""
    name, price = line.name, line.price
    if line.product_id is not None:
        product = work.find(line.product_id, Product)
        if product is None:
            raise InvalidField("product_id", f"no product with id {line.product_id}")
        if not product.active:
            raise InvalidField("product_id", f"{product.name!r} is no longer offered")
        name = product.name if name is None else name
        if price is None:
            if product.price.currency != deal.currency:
                raise InvalidField(
                    "price",
                    f"{product.name!r} is priced in {product.price.currency}; give its price in {deal.currency}",
                )
            price = product.price.amount
    if price is None:
        raise InvalidField("price", "must be given for a line without a catalogue product")
    return ProductLine.checked(
        line_id,
        line.product_id,
        name,
        Money.of(price, deal.currency, field="price"),
        line.quantity,
        line.discount_percent,
        line.tax_percent,
    )
