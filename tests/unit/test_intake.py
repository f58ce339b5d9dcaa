"""What a form adds to an inbound message: the customer's e-mail and phone, the lead's details; on the wire."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.channels import Channel, ChannelAddress
from domain.errors import InvalidInboundMessage
from domain.inbound import InboundMessage
from domain.intake import Intake
from domain.lead_details import LeadDetails

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FULL = Intake(
    email="ilze@example.com",
    phone="+37120000000",
    phone_text="20 000 000",
    details=LeadDetails.checked("12500", "EUR", "fleet tracking", "for 40 trucks"),
)


def form_message(intake: Intake | None) -> InboundMessage:
    return InboundMessage(
        channel=Channel.FORM,
        channel_message_id="f1",
        thread="f1",
        sender=ChannelAddress(Channel.FORM, "f1"),
        text="Please call me",
        received_at=RECEIVED,
        intake=intake,
    )


def test_an_intake_round_trips_on_the_wire_and_is_left_out_when_there_is_none() -> None:
    message = form_message(FULL)
    written = json.loads(json.dumps(message.to_dict()))
    assert written["intake"] == {
        "email": "ilze@example.com",
        "phone": "+37120000000",
        "phone_text": "20 000 000",
        "amount": "12500",
        "currency": "EUR",
        "product_interest": "fleet tracking",
        "comment": "for 40 trucks",
    }
    restored = InboundMessage.from_dict(written)
    assert restored == message
    assert restored.intake is not None
    assert restored.intake.details.amount == Decimal(12500)
    assert "intake" not in form_message(None).to_dict()
    assert "intake" not in form_message(Intake()).to_dict()


@pytest.mark.parametrize(
    ("intake", "problem"),
    [
        ({"email": "Ilze@Example.com"}, "'intake.email' must be written in lower case"),
        ({"email": "ilze"}, "'intake.email'"),
        ({"phone": "20000000"}, "'intake.phone' '20000000' is not a phone number in E.164"),
        ({"amount": "ten", "currency": "EUR"}, "'intake.amount' 'ten' is not a decimal number"),
        ({"amount": "10", "currency": "ABC"}, "'intake.currency'"),
        ({"amount": "10"}, "'intake.currency' is required with an amount"),
        ({"amount": 10, "currency": "EUR"}, "'intake.amount' must be a string"),
        ({"comment": "a\x00b"}, "'intake.comment' must not contain NUL"),
        ("no", "'intake' must be a JSON object"),
    ],
)
def test_a_wrong_intake_is_refused_naming_its_field(intake: Any, problem: str) -> None:
    data = {**form_message(None).to_dict(), "intake": intake}
    with pytest.raises(InvalidInboundMessage) as refused:
        InboundMessage.from_dict(data)
    assert str(refused.value).startswith(problem)
