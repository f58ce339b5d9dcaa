"""Web forms through their use cases and the router's own: defined, changed, archived; a submission stored
once as a lead routed to the form's manager, with its consent, source and, if the form says, a deal."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.archive_form import archive_form
from application.change_form import change_form
from application.define_form import UnknownForm, define_form
from application.errors import ConcurrentEdit
from application.event_store import EventStore
from application.form_intake import form_deal_id
from application.managers import register_manager
from application.receive_messages import receive_messages
from application.receiving import Outcome
from application.rules import apply_rules
from application.work_day import change_work_day
from domain.deal import Deal
from domain.errors import InvalidField
from domain.form_submission import FormVersion, read_submission
from domain.lead import Lead, LeadStatus
from domain.rules import Conditions, Rule, RuleSet, Strategy
from domain.submitted_form import SubmittedForm, submitted_form_id
from domain.web_form import FormArchived, FormDefinition
from services.router.published import encode, public_event

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def store() -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales", clock=lambda: T0)


@pytest.fixture
def managers(store: EventStore) -> tuple[UUID, UUID]:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    boris = register_manager(store, "Boris", "boris@example.com", 5, "sales")
    for manager in (anna, boris):
        change_work_day(store, manager, "start")
    return anna, boris


def definition(**changes: Any) -> FormDefinition:
    data: dict[str, Any] = {
        "name": "Call me back",
        "source": "call-me",
        "fields": [
            {"key": "name", "kind": "name", "label": "Name", "required": True},
            {"key": "phone", "kind": "phone", "label": "Phone", "required": True},
            {"key": "budget", "kind": "amount", "label": "Budget"},
        ],
        "consent_text": "I agree.",
        "success_message": "Thanks!",
        "currency": "EUR",
    }
    return FormDefinition.checked(data | changes)


def submission(form_id: UUID, form: FormDefinition, key: str = "k-0123456789") -> Any:
    body = {
        "fields": {"name": "Ilze", "phone": "+37120000000", "budget": "900.50"},
        "consent": True,
        "idempotency_key": key,
        "page_url": "https://shop.example/?utm_source=google",
        "utm": {"utm_source": "google"},
    }
    return read_submission(FormVersion(form_id, 1, form), body, T0)


def test_a_form_is_defined_once_changed_on_the_version_read_and_archived(
    store: EventStore, managers: tuple[UUID, UUID]
) -> None:
    anna, _ = managers
    form_id = uuid4()
    assert define_form(store, definition(), anna, form_id).version == 1
    assert define_form(store, definition(), anna, form_id).version == 1  # the same request again
    with pytest.raises(InvalidField) as nobody:
        define_form(store, definition(responsible_manager_id=str(uuid4())), anna)
    assert nobody.value.field == "responsible_manager_id"
    assert change_form(store, form_id, definition(name="Call us"), anna, expected_version=1).version == 2
    with pytest.raises(ConcurrentEdit):
        change_form(store, form_id, definition(), anna, expected_version=1)
    with pytest.raises(UnknownForm):
        archive_form(store, uuid4(), anna)
    assert archive_form(store, form_id, anna).version == 3
    with pytest.raises(FormArchived):
        change_form(store, form_id, definition(), anna)


def test_a_submission_received_twice_is_one_lead_for_the_forms_manager_with_its_consent_and_deal(
    store: EventStore, managers: tuple[UUID, UUID]
) -> None:
    anna, boris = managers
    form = definition(creates="deal", responsible_manager_id=str(boris))
    form_id = define_form(store, form, anna).form_id
    message = submission(form_id, form)
    (first,) = receive_messages(store, [message])
    (again,) = receive_messages(store, [message])
    assert (first.outcome, again.outcome) == (Outcome.STORED, Outcome.DUPLICATE)
    assert first.lead_id is not None
    lead: object = store.repository.get(first.lead_id)
    assert isinstance(lead, Lead)
    assert (lead.manager_id, lead.source, lead.channel) == (boris, "call-me", "form")
    assert lead.details.amount == Decimal("900.50")
    record: object = store.repository.get(submitted_form_id(lead.id))
    assert isinstance(record, SubmittedForm)
    assert record.consent_text == "I agree."
    assert record.source == {"page_url": "https://shop.example/?utm_source=google", "utm_source": "google"}
    deal: object = store.repository.get(form_deal_id(lead.id))
    assert isinstance(deal, Deal)
    assert (deal.responsible_id, deal.contact_id, deal.lead_id, deal.amount) == (
        boris,
        lead.contact_id,
        lead.id,
        Decimal("900.50"),
    )
    # Every event it left fits the domain-events topic (an amount is decimal text there).
    for notification in store.recorder.select_notifications(0, 1000):
        assert encode(public_event(store, notification))


def test_without_the_forms_manager_at_work_the_rules_decide(store: EventStore, managers: tuple[UUID, UUID]) -> None:
    anna, boris = managers
    change_work_day(store, boris, "pause")
    form = definition(responsible_manager_id=str(boris))
    form_id = define_form(store, form, anna).form_id
    (received,) = receive_messages(store, [submission(form_id, form)])
    assert received.assigned_to == anna


def test_rules_route_a_forms_leads_by_its_source_and_its_amount(store: EventStore, managers: tuple[UUID, UUID]) -> None:
    anna, boris = managers
    rules = (
        Rule(
            name="Big call-backs to Boris",
            conditions=Conditions(sources=frozenset({"call-me"}), amount_at_least=Decimal(500)),
            manager=boris,
        ),
        Rule(name="Everyone else", team="sales", strategy=Strategy.IN_ORDER, order=(anna,)),
    )
    apply_rules(store, RuleSet(rules=rules), "ops@example.com")
    form = definition()
    form_id = define_form(store, form, anna).form_id
    (received,) = receive_messages(store, [submission(form_id, form)])
    assert received.assigned_to == boris
    assert received.lead_id is not None
    lead: object = store.repository.get(received.lead_id)
    assert isinstance(lead, Lead)
    assert lead.status is LeadStatus.ASSIGNED
