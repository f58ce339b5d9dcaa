"""Every event of contacts, companies, leads and suggested duplicates fits the domain-events topic."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

from application.change_lead_details import change_lead_details
from application.contact_company import set_contact_company
from application.create_company import create_company
from application.create_contact import create_contact
from application.event_store import EventStore
from application.lead_qualification import mark_lead_junk, qualify_lead, take_lead_in_progress
from application.merge_contacts import merge_contacts
from application.receive_messages import receive_messages
from application.update_contact import ContactChanges, update_contact
from domain.company import CompanyDetails
from domain.identities import conversation_id, lead_id
from domain.inbound import InboundMessage
from domain.lead_details import LeadDetails
from services.router.published import encode, public_event, stored_public_event

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_every_event_of_people_and_leads_is_plain_json() -> None:
    store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales", clock=lambda: T0)
    anna = uuid4()
    receive_messages(store, [InboundMessage.from_visitor("v1", "m1", "Winter tyres?", T0)])
    lead = lead_id(conversation_id("webchat", "v1"))
    change_lead_details(store, lead, anna, LeadDetails.checked("1200.50", "EUR", "Tyres", "Four"))
    take_lead_in_progress(store, lead, anna)
    qualify_lead(store, lead, anna)
    other = lead_id(conversation_id("webchat", "v2"))
    receive_messages(store, [InboundMessage.from_visitor("v2", "m2", "Buy now", T0)])
    mark_lead_junk(store, other, anna, "Spam")
    one = create_contact(store, anna, "Anna Berzina", phones=["+37120000000"], emails=["anna.berzina@example.com"])
    two = create_contact(store, anna, "Anna Berzina", emails=["anna.berzina@example.org"])
    update_contact(store, one.contact_id, anna, ContactChanges(vip=True, tags=["tyres"], custom_fields={"size": 17}))
    company = create_company(store, anna, CompanyDetails.checked("Riga Tyres", "rigatyres.lv"), phones=["+37167000000"])
    set_contact_company(store, two.contact_id, company.company_id, anna)
    merge_contacts(store, one.contact_id, two.contact_id, anna, "Same person")

    types = []
    for notification in store.recorder.select_notifications(0, 1000):
        event = public_event(store, notification)
        types.append(event.type)
        assert json.loads(encode(event))["type"] == event.type
        # The relay reads the stored JSON instead of the event object: the same record on the topic.
        assert json.loads(encode(stored_public_event(notification))) == json.loads(encode(event))
        if event.type == "Lead.DetailsChanged":
            assert event.data["amount"] == "1200.50"  # decimal text, as every amount on the topic
    assert {"Lead.DetailsChanged", "Lead.Qualified", "Contact.Merged", "Company.ContactLinked"} <= set(types)
