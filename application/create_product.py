"""Add a product to the catalogue, with its list price in a currency."""

from __future__ import annotations

from uuid import UUID, uuid4

from application.assigning import Assigning
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.money import Money
from domain.product import Product


def create_product(  # noqa: PLR0913 - the fields of a catalogue entry, and who enters it
    store: EventStore, name: str, price: object, currency: str, by: UUID, *, sku: str = "", category: str = ""
) -> UUID:
    """A new active product; ``price`` is decimal text or a Decimal, never a float. Returns its id."""
    product = Product.create(uuid4(), name, Money.of(price, currency, field="price"), by, sku=sku, category=category)

    def command(work: UnitOfWork, _: Assigning) -> UUID:
        work.add(product)
        return product.id

    return store.transact(command)
