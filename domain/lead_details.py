"""What a lead is about: the sum and currency it may bring, the product it asks for, a comment.

Routing rules read the amount (``amount_at_least``, ``amount_below``) and the product interest
(``product_category``) from here; a web form gives them when the lead comes in, a manager refines
them as they qualify it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.currencies import amount_of_money, currency_code
from domain.text import InvalidText, TextKind, checked_text

MAX_PRODUCT_INTEREST_LENGTH = 256
MAX_COMMENT_LENGTH = 4_000


@dataclass(frozen=True)
class LeadDetails:
    """A lead's amount (None: not known) in ``currency``, its product interest and a comment."""

    amount: Decimal | None = None
    currency: str = ""
    product_interest: str = ""
    comment: str = ""

    @classmethod
    def checked(
        cls, amount: object = None, currency: object = "", product_interest: object = "", comment: object = ""
    ) -> LeadDetails:
        """The details as given, each checked, or InvalidText naming the first wrong field."""
        money = None if amount is None or amount == "" else amount_of_money(amount)
        code = currency_code(currency) if currency else ""
        if money is not None and not code:
            raise InvalidText("currency", "is required with an amount")
        return cls(
            amount=money,
            currency=code,
            product_interest=checked_text(
                "product_interest",
                product_interest,
                max_length=MAX_PRODUCT_INTEREST_LENGTH,
                kind=TextKind.LINE,
                required=False,
            ).strip(),
            comment=checked_text(
                "comment", comment, max_length=MAX_COMMENT_LENGTH, kind=TextKind.TEXT, required=False
            ).strip(),
        )

    def updated_by(self, other: LeadDetails) -> LeadDetails:
        """These details with what ``other`` knows put over them (what it leaves empty stays)."""
        return LeadDetails(
            amount=other.amount if other.amount is not None else self.amount,
            currency=other.currency if other.amount is not None or other.currency else self.currency,
            product_interest=other.product_interest or self.product_interest,
            comment=other.comment or self.comment,
        )
