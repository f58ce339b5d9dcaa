"""What a message may tell beyond its text: who the customer is and what the lead is about.

A web form or a pre-chat step asks for an e-mail, a phone, an amount, a product; the connector puts
what it got here, already in its one form (the e-mail lower case, the phone in E.164, read in the
region the connector is configured with). The router joins the touch to the contact with that e-mail
or phone, and routes the lead by its amount and product before anyone sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.emails import email_address
from domain.errors import InvalidInboundMessage
from domain.lead_details import LeadDetails
from domain.phones import MAX_PHONE_TEXT_LENGTH, is_e164
from domain.text import InvalidText, TextKind, checked_text


@dataclass(frozen=True)
class Intake:
    """The customer's e-mail and phone (E.164, and as typed), and the lead's details, as a form gave them."""

    email: str = ""
    phone: str = ""
    phone_text: str = ""
    details: LeadDetails = field(default_factory=LeadDetails)

    def __post_init__(self) -> None:
        try:
            self._check()
        except InvalidText as invalid:
            field_name = invalid.field if invalid.field.startswith("intake") else f"intake.{invalid.field}"
            raise InvalidInboundMessage(f"'{field_name}' {invalid.problem}") from invalid

    def _check(self) -> None:
        if self.email and email_address(self.email, field="intake.email") != self.email:
            raise InvalidText("intake.email", "must be written in lower case, as e-mail addresses are compared")
        if self.phone and not is_e164(self.phone):
            raise InvalidText("intake.phone", f"{self.phone[:40]!r} is not a phone number in E.164 (+371...)")
        checked_text(
            "phone_text", self.phone_text, max_length=MAX_PHONE_TEXT_LENGTH, kind=TextKind.LINE, required=False
        )
        given = self.details
        if LeadDetails.checked(given.amount, given.currency, given.product_interest, given.comment) != given:
            raise InvalidText("details", "must be given as LeadDetails.checked writes them")

    def to_dict(self) -> dict[str, Any]:
        """The intake as plain JSON-ready data; what is empty is left out."""
        details = self.details
        data = {
            "email": self.email,
            "phone": self.phone,
            "phone_text": self.phone_text,
            "amount": str(details.amount) if details.amount is not None else "",
            "currency": details.currency,
            "product_interest": details.product_interest,
            "comment": details.comment,
        }
        return {name: value for name, value in data.items() if value}

    @classmethod
    def from_dict(cls, data: Any) -> Intake:  # noqa: ANN401 - untrusted input
        """Validate untrusted data into an intake, or raise InvalidInboundMessage naming the field."""
        if not isinstance(data, dict):
            msg = "'intake' must be a JSON object"
            raise InvalidInboundMessage(msg)
        texts = {}
        for name in ("email", "phone", "phone_text", "amount", "currency", "product_interest", "comment"):
            value = data.get(name, "")
            if not isinstance(value, str):
                msg = f"'intake.{name}' must be a string"
                raise InvalidInboundMessage(msg)
            texts[name] = value
        try:
            details = LeadDetails.checked(
                texts["amount"] or None, texts["currency"], texts["product_interest"], texts["comment"]
            )
        except InvalidText as invalid:
            raise InvalidInboundMessage(f"'intake.{invalid.field}' {invalid.problem}") from invalid
        return cls(email=texts["email"], phone=texts["phone"], phone_text=texts["phone_text"], details=details)
