"""Converting a lead through its use case: the records it makes and links, once, and what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.contact_company import set_contact_company
from application.conversion_request import Conversion, DealCard
from application.convert_lead import convert_lead
from application.create_company import create_company
from application.errors import ConcurrentEdit, UnknownLead
from application.event_store import EventStore
from application.lead_qualification import qualify_lead, take_lead_in_progress
from application.managers import register_manager
from application.receive_messages import receive_messages
from application.work_day import change_work_day
from domain.company import Company, CompanyDetails
from domain.contact import Contact
from domain.conversion import ConversionRefused
from domain.deal import Deal
from domain.errors import InvalidField
from domain.identities import converted_record_id
from domain.inbound import InboundMessage
from domain.lead import Lead
from tests.router_reactions import routed

A = TypeVar("A")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BUSINESS = {"name": "Nordic Freight", "domain": "nordic-freight.example", "phones": ["+371 2000 0001"]}


@pytest.fixture
def store() -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales", clock=lambda: T0)


def routed_lead(store: EventStore, visitor: str = "v1") -> tuple[Lead, UUID]:
    """A web-chat lead held by Anna, qualified by her."""
    anna = register_manager(store, "Anna", f"anna-{visitor}@example.com", 5, "sales")
    routed(store, change_work_day, anna, "start")
    message = InboundMessage.from_visitor(visitor, "m1", "We need 40 trackers", T0, sender_name="Ilze Berzina")
    (received,) = routed(store, receive_messages, [message])
    assert received.lead_id is not None
    take_lead_in_progress(store, received.lead_id, anna)
    qualify_lead(store, received.lead_id, anna)
    return loaded(store, received.lead_id, Lead), anna


def loaded(store: EventStore, record: UUID | None, kind: type[A]) -> A:
    assert record is not None
    found = store.load(record)
    assert isinstance(found, kind)
    return found


def events_count(store: EventStore) -> int:
    return store.recorder.max_notification_id() or 0


def everything(region: str = "") -> Conversion:
    return Conversion.checked(
        contact={"name": "Ilze Berzina", "emails": ["ilze@nordic-freight.example"]},
        company=BUSINESS,
        deal=DealCard(title="40 trackers", currency="EUR"),
        default_phone_region=region,
    )


def test_a_lead_becomes_its_contact_a_company_and_a_deal_linked_to_each_other_and_to_the_lead(
    store: EventStore,
) -> None:
    lead, anna = routed_lead(store)
    before = events_count(store)
    done = convert_lead(store, lead.id, everything(), anna)

    assert done.contact_id == lead.contact_id  # the customer who wrote is kept, not registered again
    assert (done.company_id, done.deal_id) == (
        converted_record_id(lead.id, "company"),
        converted_record_id(lead.id, "deal"),
    )
    assert done.created == ("company", "contact", "deal")
    contact = loaded(store, done.contact_id, Contact)
    company = loaded(store, done.company_id, Company)
    deal = loaded(store, done.deal_id, Deal)
    assert (contact.name, contact.emails, contact.company_id) == (
        "Ilze Berzina",
        ["ilze@nordic-freight.example"],
        company.id,
    )
    assert contact.responsible_manager_id == anna
    assert (company.name, company.contacts, company.responsible_manager_id) == ("Nordic Freight", [contact.id], anna)
    assert [p.number for p in company.phones] == ["+37120000001"]
    assert (deal.title, deal.currency, deal.responsible_id) == ("40 trackers", "EUR", anna)
    assert (deal.lead_id, deal.contact_id, deal.company_id) == (lead.id, contact.id, company.id)

    # One transaction: the conversion's events follow each other, the lead's own among them.
    recorded = store.recorder.select_notifications(before, 100, inclusive_of_start=False)
    kinds = {n.topic.rpartition(":")[2] for n in recorded}
    assert {"Lead.Converted", "Deal.Opened", "Company.Registered", "Contact.JoinedCompany"} <= kinds
    converted = store.history(lead.id)[-1]
    assert type(converted).__name__ == "Converted"
    assert converted.conversation_ids == [lead.conversation_id]  # type: ignore[attr-defined]
    assert converted.by == anna  # type: ignore[attr-defined]


def test_converting_again_answers_the_same_records_and_records_nothing(store: EventStore) -> None:
    lead, anna = routed_lead(store)
    first = convert_lead(store, lead.id, everything(), anna)
    after = events_count(store)
    again = convert_lead(store, lead.id, everything(), anna, expected_version=1)  # a stale version: a retry
    assert again.repeated
    assert (again.contact_id, again.company_id, again.deal_id) == (first.contact_id, first.company_id, first.deal_id)
    assert events_count(store) == after


def test_a_person_first_then_a_deal_for_them(store: EventStore) -> None:
    lead, anna = routed_lead(store)
    person = convert_lead(store, lead.id, Conversion.checked(contact={}), anna)
    assert (person.contact_id, person.company_id, person.deal_id) == (lead.contact_id, None, None)
    with_deal = convert_lead(store, lead.id, Conversion.checked(deal=DealCard(currency="EUR")), anna)
    assert with_deal.created == ("deal",)
    deal = loaded(store, with_deal.deal_id, Deal)
    assert (deal.contact_id, deal.company_id, deal.title) == (lead.contact_id, None, "Ilze Berzina")


def test_a_lead_whose_contact_is_unknown_gets_a_new_one_that_needs_a_name(store: EventStore) -> None:
    lead, anna = routed_lead(store)
    lead_without_contact = Lead(conversation_id=uuid4(), contact_id=uuid4(), channel="webchat", source="")
    lead_without_contact.take_in_progress(by=anna)
    lead_without_contact.qualify(by=anna)
    store.save(lead_without_contact)
    with pytest.raises(InvalidField) as refused:
        convert_lead(store, lead_without_contact.id, Conversion.checked(contact={}), anna)
    assert refused.value.field == "contact.name"
    done = convert_lead(store, lead_without_contact.id, Conversion.checked(contact={"name": "Ivo"}), anna)
    assert done.contact_id == converted_record_id(lead_without_contact.id, "contact")
    assert loaded(store, done.contact_id, Contact).name == "Ivo"
    assert lead.id != lead_without_contact.id


def test_refusals_name_the_field_and_record_nothing(store: EventStore) -> None:
    lead, anna = routed_lead(store)
    before = events_count(store)
    for conversion, field in (
        (lambda: Conversion.checked(company={"name": ""}), "company.name"),
        (lambda: Conversion.checked(contact={"phones": ["not a phone"]}), "contact.phones[0]"),
        (lambda: Conversion.checked(contact={"emails": "a@b.example"}), "contact.emails"),
        (lambda: convert_lead(store, lead.id, Conversion(deal=DealCard(currency="EUR")), anna), "deal"),
        (lambda: convert_lead(store, lead.id, Conversion.checked(contact={}, deal=DealCard()), anna), "deal.currency"),
        (
            lambda: convert_lead(store, lead.id, Conversion.checked(contact={}, deal=DealCard(currency="EURO")), anna),
            "deal.currency",
        ),
        (
            lambda: convert_lead(store, lead.id, Conversion.checked(contact={}, responsible_id=uuid4()), anna),
            "responsible_id",
        ),
    ):
        with pytest.raises(InvalidField) as refused:
            conversion()
        assert refused.value.field == field
    with pytest.raises(UnknownLead):
        convert_lead(store, uuid4(), everything(), anna)
    with pytest.raises(ConcurrentEdit) as stale:
        convert_lead(store, lead.id, everything(), anna, expected_version=1)
    assert stale.value.current_version == lead.version
    assert events_count(store) == before


def test_a_lead_not_yet_qualified_is_not_converted(store: EventStore) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    (received,) = routed(store, receive_messages, [InboundMessage.from_visitor("v9", "m1", "hi", T0)])
    assert received.lead_id is not None
    with pytest.raises(ConversionRefused, match="qualify it"):
        convert_lead(store, received.lead_id, everything(), anna)


ASKED = st.fixed_dictionaries(
    {},
    optional={
        "contact": st.fixed_dictionaries({}, optional={"name": st.sampled_from(["Ilze", "Ilze Berzina"])}),
        "company": st.fixed_dictionaries({"name": st.sampled_from(["Nordic Freight", "NF"])}),
        "deal": st.builds(DealCard, currency=st.just("EUR")),
    },
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(asks=st.lists(ASKED, min_size=1, max_size=5))
def test_any_sequence_of_conversions_makes_each_record_once_and_links_them(asks: list[dict[str, Any]]) -> None:
    store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales", clock=lambda: T0)
    lead, anna = routed_lead(store)
    made: dict[str, UUID] = {}
    deal_for: UUID | None = None  # the contact made by the time the deal opened, if any
    conversions = 0
    for ask in asks:
        before = set(made)
        try:
            done = convert_lead(store, lead.id, Conversion.checked(**ask), anna)
        except ConversionRefused:
            assert not ask
            continue
        except InvalidField as refused:
            field = refused.field
            assert not ({"contact", "company"} & (ask.keys() | before))
            assert field == "deal"
            continue
        assert set(done.created) == set(ask) - before
        conversions += bool(done.created)
        now = {"contact": done.contact_id, "company": done.company_id, "deal": done.deal_id}
        for record, record_id in now.items():
            assert made.get(record, record_id) == record_id  # an id, once given, is kept
            if record_id is not None:
                made[record] = record_id
        if "deal" in done.created:
            deal_for = made.get("contact")
    assert [type(e).__name__ for e in store.history(lead.id)].count("Converted") == conversions
    for record_id in made.values():  # each made once: its first event opened it, and no other did
        names = [type(e).__name__ for e in store.history(record_id)]
        assert sum(name in ("Created", "Registered", "Opened") for name in names) == 1
    if "contact" in made:
        assert made["contact"] == lead.contact_id
    if "deal" in made:
        deal = loaded(store, made["deal"], Deal)
        assert (deal.lead_id, deal.contact_id) == (lead.id, deal_for)
    if {"contact", "company"} <= made.keys():
        assert loaded(store, made["contact"], Contact).company_id == made["company"]


def test_a_customer_who_worked_elsewhere_works_for_the_converted_company_and_no_longer_there(
    store: EventStore,
) -> None:
    lead, anna = routed_lead(store)
    before = create_company(store, anna, CompanyDetails.checked("Old Employer"))
    set_contact_company(store, lead.contact_id, before.company_id, anna)
    done = convert_lead(store, lead.id, Conversion.checked(contact={}, company=BUSINESS), anna)
    assert loaded(store, lead.contact_id, Contact).company_id == done.company_id
    assert loaded(store, before.company_id, Company).contacts == []
    assert loaded(store, done.company_id, Company).contacts == [lead.contact_id]
