"""Web forms: an admin's definition checked part by part, a visitor's submission field by field, on the wire."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.channels import Channel
from domain.errors import InvalidField
from domain.form_submission import FormVersion, InvalidSubmission, read_submission
from domain.inbound import InboundMessage
from domain.text import InvalidText
from domain.web_form import Creates, FormArchived, FormDefinition, Target, WebForm

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FORM_ID = UUID("00000000-0000-4000-8000-00000000f001")


def definition(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Contact us",
        "source": "contact-us",
        "fields": [
            {"key": "name", "kind": "name", "label": "Your name", "required": True},
            {"key": "phone", "kind": "phone", "label": "Phone", "required": False},
            {"key": "email", "kind": "email", "label": "E-mail", "required": False},
            {"key": "company", "kind": "company", "label": "Company"},
            {"key": "budget", "kind": "amount", "label": "Budget"},
            {"key": "product", "kind": "product_interest", "label": "Product"},
            {"key": "comment", "kind": "comment", "label": "Comment"},
            {"key": "fleet", "kind": "custom", "label": "Trucks in the fleet", "maps_to": "lead.comment"},
        ],
        "consent_text": "I agree that Shop keeps my data to answer me.",
        "success_message": "Thank you! We call you back within a day.",
        "currency": "EUR",
    }
    data.update(changes)
    return data


def form(**changes: Any) -> FormVersion:
    return FormVersion(FORM_ID, 1, FormDefinition.checked(definition(**changes)))


def body(**fields: Any) -> dict[str, Any]:
    return {
        "fields": {"name": "Ilze Bērziņa", "phone": "+371 2000 0000", **fields},
        "consent": True,
        "idempotency_key": "k-0123456789",
        "page_url": "https://shop.example/contact?utm_source=google",
        "utm": {"utm_source": "google", "utm_campaign": "spring"},
        "website": "",
    }


def test_a_definition_round_trips_and_fills_each_targets_default() -> None:
    checked = FormDefinition.checked(definition())
    assert FormDefinition.checked(json.loads(json.dumps(checked.to_dict()))) == checked
    targets = {f.key: f.target for f in checked.fields}
    assert targets["name"] is Target.CONTACT_NAME
    assert targets["company"] is Target.MESSAGE
    assert targets["fleet"] is Target.LEAD_COMMENT
    assert checked.creates is Creates.LEAD


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"source": "Contact Us"}, "source"),
        ({"fields": []}, "fields"),
        ({"fields": [{"key": "email", "kind": "email", "label": "E", "required": "yes"}]}, "fields[0].required"),
        ({"fields": [{"key": "Email", "kind": "email", "label": "E"}]}, "fields[0].key"),
        ({"fields": [{"key": "consent", "kind": "email", "label": "E"}]}, "fields[0].key"),
        ({"fields": [{"key": "e", "kind": "fax", "label": "E"}]}, "fields[0].kind"),
        ({"fields": [{"key": "e", "kind": "email", "label": "E", "maps_to": "lead.amount"}]}, "fields[0].maps_to"),
        ({"fields": [{"key": "c", "kind": "comment", "label": "C"}]}, "fields"),
        (
            {"fields": [{"key": "e", "kind": "email", "label": "E"}, {"key": "e", "kind": "phone", "label": "P"}]},
            "fields[1].key",
        ),
        (
            {"fields": [{"key": "e", "kind": "email", "label": "E"}, {"key": "f", "kind": "email", "label": "F"}]},
            "fields[1].maps_to",
        ),
        ({"consent_text": "  "}, "consent_text"),
        ({"currency": ""}, "currency"),
        ({"creates": "deal"}, "responsible_manager_id"),
        ({"creates": "invoice"}, "creates"),
        ({"responsible_manager_id": 7}, "responsible_manager_id"),
        ({"allowed_origins": ["shop.example"]}, "allowed_origins[0]"),
        ({"success_message": "ok\x00"}, "success_message"),
    ],
)
def test_a_wrong_definition_names_its_part(changes: dict[str, Any], field: str) -> None:
    with pytest.raises((InvalidField, InvalidText)) as refused:
        FormDefinition.checked(definition(**changes))
    assert isinstance(refused.value, InvalidField | InvalidText)
    assert refused.value.field == field


def test_an_archived_form_takes_no_change() -> None:
    by = uuid4()
    web_form = WebForm.define(FORM_ID, FormDefinition.checked(definition()), by)
    web_form.change(FormDefinition.checked(definition(name="Call me")), by)
    assert web_form.definition.name == "Call me"
    assert web_form.version == 2
    web_form.archive(by)
    with pytest.raises(FormArchived):
        web_form.change(FormDefinition.checked(definition()), by)


def test_a_submission_becomes_one_form_message_with_intake_consent_and_source() -> None:
    message = read_submission(
        form(),
        body(
            email="Ilze@Example.COM",
            budget="12500.50",
            product="fleet",
            comment="<script>alert(1)</script>",
            fleet="40",
        ),
        RECEIVED,
    )
    assert message.channel is Channel.FORM
    assert message.channel_message_id == message.thread == f"{FORM_ID}/k-0123456789"
    assert str(message.sender) == "form:ilze@example.com"
    assert message.source == "contact-us"
    assert message.sender_name == "Ilze Bērziņa"
    assert message.intake is not None
    assert message.intake.phone == "+37120000000"
    assert message.intake.phone_text == "+371 2000 0000"
    assert message.intake.details.amount == Decimal("12500.50")
    assert message.intake.details.currency == "EUR"
    assert message.intake.details.comment == "Comment: <script>alert(1)</script>\nTrucks in the fleet: 40"
    assert "Comment: <script>alert(1)</script>" in message.text
    assert message.form is not None
    assert message.form.consent_text == "I agree that Shop keeps my data to answer me."
    assert message.form.source == {
        "page_url": "https://shop.example/contact?utm_source=google",
        "utm_source": "google",
        "utm_campaign": "spring",
    }
    assert InboundMessage.from_dict(json.loads(json.dumps(message.to_dict()))) == message


def test_the_same_click_twice_is_the_same_message() -> None:
    first = read_submission(form(), body(), RECEIVED)
    again = read_submission(form(), body(), RECEIVED.replace(second=3))
    assert first.channel_message_id == again.channel_message_id


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"consent": False}, {"consent"}),
        ({"website": "http://spam.example"}, {"website"}),
        ({"idempotency_key": "short"}, {"idempotency_key"}),
        ({"fields": {"name": "Ilze", "phone": "12"}}, {"phone"}),
        ({"fields": {"name": "Ilze", "email": "ilze@@example"}}, {"email"}),
        ({"fields": {"phone": "+37120000000"}}, {"name"}),
        ({"fields": {"name": "Ilze"}}, {"phone"}),
        ({"fields": {"name": "Ilze", "phone": "+37120000000", "budget": "-5"}}, {"budget"}),
        ({"fields": {"name": "Ilze", "phone": "+37120000000", "comment": "a\x00b"}}, {"comment"}),
        ({"fields": {"name": "Ilze\u202e", "phone": "+37120000000"}}, {"name"}),
        ({"fields": {"name": "Ilze", "phone": "+37120000000", "fax": "1"}}, {"fax"}),
        ({"fields": ["Ilze"]}, {"fields", "name", "phone"}),
        ({"page_url": "javascript:alert(1)"}, {"page_url"}),
        ({"utm": {"utm_source": "x", "gclid": "y"}}, {"utm.gclid"}),
        (
            {"consent": None, "website": "x", "fields": {"name": "", "phone": "abc", "email": "no"}},
            {"consent", "website", "name", "phone", "email"},
        ),
    ],
)
def test_a_wrong_submission_names_every_field_at_fault(changes: dict[str, Any], errors: set[str]) -> None:
    sent = body() | changes
    with pytest.raises(InvalidSubmission) as refused:
        read_submission(form(), sent, RECEIVED)
    assert set(refused.value.errors) == errors
