"""Change a catalogue product: its name, SKU, category, price, or whether it is offered."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.errors import UnknownProduct
from application.event_store import EventStore
from application.sales_records import editable
from application.unit_of_work import UnitOfWork
from domain.money import Money
from domain.product import Product


def update_product(  # noqa: PLR0913 - each field may change; None keeps it
    store: EventStore,
    product_id: UUID,
    by: UUID,
    *,
    name: str | None = None,
    sku: str | None = None,
    category: str | None = None,
    price: object = None,
    currency: str | None = None,
    active: bool | None = None,
    expected_version: int | None = None,
) -> int:
    """Change the fields given (None keeps a field); returns the product's version."""

    def command(work: UnitOfWork, _: Assigning) -> int:
        product = editable(work, product_id, Product, expected_version, UnknownProduct)
        product.change_details(
            by,
            name=product.name if name is None else name,
            sku=product.sku if sku is None else sku,
            category=product.category if category is None else category,
        )
        if price is not None or currency is not None:
            amount = product.price.amount if price is None else price
            product.change_price(Money.of(amount, currency or product.price.currency, field="price"), by)
        if active is not None:
            product.set_active(active, by)
        return product.version

    return store.transact(command)
