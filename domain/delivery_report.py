"""How delivering one reply ended, as a channel's sender reports it to the router.

This is the published language of the ``delivery-reports`` topic: the mail sender writes one per
reply whose delivery ended, the router records it on the conversation. On the wire it is a JSON
object with the fields below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.conversation import DeliveryOutcome
from domain.errors import DomainError
from domain.text import InvalidText, TextKind, checked_text

MAX_DETAIL_LENGTH = 2000


class InvalidDeliveryReport(DomainError, ValueError):
    """A record of the delivery-reports topic is malformed; the message names the field."""


@dataclass(frozen=True)
class DeliveryReport:
    """One reply's delivery outcome, with the server's words for it."""

    conversation_id: UUID
    reply_id: UUID
    outcome: DeliveryOutcome
    detail: str = ""

    def __post_init__(self) -> None:
        try:
            checked_text("detail", self.detail, max_length=MAX_DETAIL_LENGTH, kind=TextKind.TEXT, required=False)
        except InvalidText as error:
            raise InvalidDeliveryReport(str(error)) from None

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "conversation_id": str(self.conversation_id),
            "reply_id": str(self.reply_id),
            "outcome": self.outcome.value,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: object) -> DeliveryReport:
        """A report from JSON data, or InvalidDeliveryReport naming the field at fault."""
        if not isinstance(data, dict):
            msg = "a delivery report must be a JSON object"
            raise InvalidDeliveryReport(msg)
        ids = {}
        for name in ("conversation_id", "reply_id"):
            try:
                ids[name] = UUID(str(data[name]))
            except (KeyError, ValueError):
                msg = f"'{name}' must be a UUID"
                raise InvalidDeliveryReport(msg) from None
        try:
            outcome = DeliveryOutcome(str(data.get("outcome")))
        except ValueError:
            msg = f"'outcome' must be one of {', '.join(o.value for o in DeliveryOutcome)}"
            raise InvalidDeliveryReport(msg) from None
        detail = data.get("detail", "")
        if not isinstance(detail, str):
            msg = "'detail' must be a string"
            raise InvalidDeliveryReport(msg)
        return cls(ids["conversation_id"], ids["reply_id"], outcome, detail)
