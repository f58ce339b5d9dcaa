"""A product of the catalogue: what a deal's lines sell, at a list price in a currency."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidField
from domain.money import Money
from domain.text import TextKind, checked_text

MAX_NAME = 200
MAX_SKU = 64
MAX_CATEGORY = 100


class Product(Aggregate):
    """A catalogue entry; an inactive product is kept for old deals but offered for no new line."""

    @staticmethod
    def create_id(product_id: UUID) -> UUID:
        """The id the creator chose."""
        return product_id

    @event("Created")
    def __init__(  # noqa: PLR0913 - what a catalogue entry holds, and who entered it
        self, product_id: UUID, name: str, sku: str, category: str, price: str, currency: str, by: UUID
    ) -> None:
        self.name = name
        self.sku = sku
        self.category = category
        self.price = Money(Decimal(price), currency)
        self.active = True

    @classmethod
    def create(  # noqa: PLR0913 - the fields of a catalogue entry
        cls, product_id: UUID, name: str, price: Money, by: UUID, *, sku: str = "", category: str = ""
    ) -> Product:
        """A new active product."""
        return cls(
            product_id=product_id,
            name=product_name(name),
            sku=_sku(sku),
            category=_category(category),
            price=price.text,
            currency=price.currency,
            by=by,
        )

    def change_details(self, by: UUID, *, name: str, sku: str, category: str) -> None:
        """Set name, SKU and category at once (each as it should now read)."""
        checked = (product_name(name), _sku(sku), _category(category))
        if checked != (self.name, self.sku, self.category):
            self._details_changed(name=checked[0], sku=checked[1], category=checked[2], by=by)

    def change_price(self, price: Money, by: UUID) -> None:
        """Set the list price; lines already on deals keep the price they were sold at."""
        if price != self.price:
            self._price_changed(
                price=price.text,
                currency=price.currency,
                previous_price=self.price.text,
                previous_currency=self.price.currency,
                by=by,
            )

    def set_active(self, active: bool, by: UUID) -> None:
        """Offer the product for new lines again, or no longer."""
        if active and not self.active:
            self._reactivated(by=by)
        elif not active and self.active:
            self._deactivated(by=by)

    @event("DetailsChanged")
    def _details_changed(self, name: str, sku: str, category: str, by: UUID) -> None:
        self.name, self.sku, self.category = name, sku, category

    @event("PriceChanged")
    def _price_changed(self, price: str, currency: str, previous_price: str, previous_currency: str, by: UUID) -> None:
        self.price = Money(Decimal(price), currency)

    @event("Deactivated")
    def _deactivated(self, by: UUID) -> None:
        self.active = False

    @event("Reactivated")
    def _reactivated(self, by: UUID) -> None:
        self.active = True


def product_name(value: object, field: str = "name") -> str:
    """A product's name as shown on a deal's line."""
    return checked_text(field, value, max_length=MAX_NAME, kind=TextKind.LINE).strip()


def _sku(value: object) -> str:
    sku = checked_text("sku", value, max_length=MAX_SKU, kind=TextKind.LINE, required=False).strip()
    if any(c.isspace() for c in sku):
        raise InvalidField("sku", "must not contain blanks")
    return sku


def _category(value: object) -> str:
    return checked_text("category", value, max_length=MAX_CATEGORY, kind=TextKind.LINE, required=False).strip()
