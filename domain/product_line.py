"""A deal's product line: a product sold at a price, in a quantity, with a discount and a tax."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.errors import InvalidField
from domain.money import Money, decimal_of
from domain.product import product_name

MAX_QUANTITY = Decimal(10) ** 9
QUANTITY_PLACES = 3  # a line may sell 1.5 hours or 0.250 kg
PERCENT_PLACES = 2
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ProductLine:
    """One line; its total is the net (price times quantity less discount) plus tax on the net.

    Net and tax are each rounded half up to the currency's minor units, as an invoice prints them.
    """

    id: UUID
    product_id: UUID | None  # None: a line typed in by hand, not from the catalogue
    name: str
    price: Money
    quantity: Decimal
    discount_percent: Decimal
    tax_percent: Decimal

    @classmethod
    def checked(  # noqa: PLR0913 - the fields of a line, each checked
        cls,
        line_id: UUID,
        product_id: UUID | None,
        name: object,
        price: Money,
        quantity: object = 1,
        discount_percent: object = 0,
        tax_percent: object = 0,
    ) -> ProductLine:
        """A line from what a user entered; InvalidField names the first field that is wrong."""
        count = decimal_of("quantity", quantity, minimum=Decimal(0), maximum=MAX_QUANTITY, places=QUANTITY_PLACES)
        if not count:
            raise InvalidField("quantity", "must be more than 0")
        return cls(
            id=line_id,
            product_id=product_id,
            name=product_name(name),
            price=price,
            quantity=count,
            discount_percent=_percent("discount_percent", discount_percent),
            tax_percent=_percent("tax_percent", tax_percent),
        )

    @property
    def net(self) -> Money:
        """Price times quantity, less the discount."""
        return self.price.rounded(self.price.amount * self.quantity * (HUNDRED - self.discount_percent) / HUNDRED)

    @property
    def total(self) -> Money:
        """The net plus tax on it."""
        net = self.net
        return net + net.rounded(net.amount * self.tax_percent / HUNDRED)

    def to_dict(self) -> dict[str, Any]:
        """The line as events carry it: numbers as decimal text, with its total."""
        return {
            "line_id": str(self.id),
            "product_id": str(self.product_id) if self.product_id else None,
            "name": self.name,
            "price": self.price.text,
            "quantity": f"{self.quantity:f}",
            "discount_percent": f"{self.discount_percent:f}",
            "tax_percent": f"{self.tax_percent:f}",
            "total": self.total.text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], currency: str) -> ProductLine:
        """A line from an event of a deal in ``currency``."""
        product = data.get("product_id")
        return cls(
            id=UUID(str(data["line_id"])),
            product_id=UUID(str(product)) if product else None,
            name=data["name"],
            price=Money(Decimal(data["price"]), currency),
            quantity=Decimal(data["quantity"]),
            discount_percent=Decimal(data["discount_percent"]),
            tax_percent=Decimal(data["tax_percent"]),
        )


def _percent(field: str, value: object) -> Decimal:
    return decimal_of(field, value, minimum=Decimal(0), maximum=HUNDRED, places=PERCENT_PLACES)
