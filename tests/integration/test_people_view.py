"""The people read models built from the log: contacts, companies, leads and suggested duplicates, as they stand."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from application.change_lead_details import change_lead_details
from application.contact_addresses import add_messenger_id
from application.contact_company import set_contact_company
from application.create_company import create_company
from application.create_contact import create_contact
from application.duplicate_suggestions import dismiss_duplicate_suggestion
from application.event_store import EventStore
from application.lead_qualification import mark_lead_junk, qualify_lead, take_lead_in_progress
from application.managers import register_manager
from application.merge_contacts import merge_contacts
from application.receive_messages import receive_messages
from application.transfer_conversation import hand_to_team, transfer_to_colleague
from application.update_company import CompanyChanges, update_company
from application.update_contact import ContactChanges, update_contact
from application.work_day import change_work_day
from domain.channels import Channel
from domain.company import CompanyDetails
from domain.conversation import Conversation
from domain.duplicates import suggestion_id
from domain.identities import conversation_id, lead_id
from domain.inbound import InboundMessage
from domain.lead import Lead
from domain.lead_details import LeadDetails
from services.projections.schema import LIVE_SCHEMA
from services.settings import Settings
from tests.integration.test_sales_view import applied_one_by_one_differs, read
from tests.projected import project
from tests.router_reactions import routed

pytestmark = pytest.mark.integration

S = LIVE_SCHEMA


def version(store: EventStore, record: UUID) -> int:
    found = store.load(record)
    assert found is not None
    return int(found.version)


def test_people_and_leads_read_as_they_stand_and_a_merge_points_at_the_survivor(
    store: EventStore, settings: Settings
) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    [received] = receive_messages(store, [InboundMessage.from_visitor("v1", "m1", "Tyres?", datetime.now(UTC))])
    assert received.lead_id is not None
    assert received.conversation_id is not None
    conversation = store.load(received.conversation_id)
    assert isinstance(conversation, Conversation)
    lead, visitor = received.lead_id, conversation.contact_id
    change_lead_details(store, lead, anna, LeadDetails.checked("1200.50", "EUR", "Tyres", "Four"))
    take_lead_in_progress(store, lead, anna)
    qualify_lead(store, lead, anna)
    [junk] = receive_messages(store, [InboundMessage.from_visitor("v2", "m1", "Watches", datetime.now(UTC))])
    assert junk.lead_id is not None
    mark_lead_junk(store, junk.lead_id, anna, "Spam")

    company = create_company(
        store, anna, CompanyDetails.checked("Riga Tyres"), phones=["+37167000000", "+37167000001"], emails=["a@b.lv"]
    ).company_id
    update_company(
        store, company, anna, CompanyChanges(phones=["+37167000001"], emails=[], responsible_manager_id=anna)
    )
    one = create_contact(store, anna, "Olga Ozola", phones=["+371 2000 0000"], emails=["olga.ozola@example.com"])
    two = create_contact(store, anna, "Olga Ozola", emails=["olga.ozola@example.org"]).contact_id
    update_contact(
        store,
        two,
        anna,
        ContactChanges(vip=True, tags=["fleet"], custom_fields={"size": 17, "note": "x"}, responsible_manager_id=anna),
    )
    update_contact(store, two, anna, ContactChanges(custom_fields={"note": None}))
    set_contact_company(store, two, company, anna)
    third = create_contact(store, anna, "Olga Ozola").contact_id
    with_third = suggestion_id(third, two)
    dismiss_duplicate_suggestion(store, with_third, anna, "Sisters")
    add_messenger_id(store, visitor, anna, "telegram:42")
    merge_contacts(store, one.contact_id, two, anna, "Same person")
    merge_contacts(store, third, one.contact_id, anna, "Same again")  # a chain: two -> one -> third
    merge_contacts(store, third, visitor, anna, "The web chat visitor")
    asyncio.run(project(settings, store))

    contacts = {r["id"]: r for r in read(settings, f"SELECT * FROM {S}.contacts")}
    for contact in contacts.values():
        assert contact["version"] == version(store, contact["id"]), contact["name"]
    survivor = contacts[third]
    assert json.loads(survivor["phones"]) == [{"number": "+37120000000", "text": "+371 2000 0000"}]
    assert sorted(survivor["emails"]) == ["olga.ozola@example.com", "olga.ozola@example.org"]
    assert (survivor["messenger_ids"], survivor["vip"], survivor["tags"]) == (
        ["webchat:v1", "telegram:42"],
        True,
        ["fleet"],
    )
    assert (json.loads(survivor["custom_fields"]), survivor["company_id"]) == ({"size": 17}, company)
    assert survivor["merged_from"] == [one.contact_id, visitor]
    assert {contacts[c]["merged_into"] for c in (one.contact_id, two, visitor)} == {third}

    [firm] = read(settings, f"SELECT * FROM {S}.companies")
    assert (json.loads(firm["phones"]), firm["emails"], firm["responsible_id"]) == (
        [{"number": "+37167000001", "text": "+37167000001"}],
        [],
        anna,
    )
    assert firm["version"] == version(store, company)

    leads = {r["id"]: r for r in read(settings, f"SELECT * FROM {S}.leads")}
    assert (leads[lead]["qualification"], leads[lead]["amount"], leads[lead]["currency"]) == (
        "qualified",
        Decimal("1200.50"),
        "EUR",
    )
    assert (leads[lead]["contact_id"], leads[lead]["conversations"]) == (third, [received.conversation_id])
    assert (leads[junk.lead_id]["qualification"], leads[junk.lead_id]["junk_reason"]) == ("junk", "Spam")
    for row in leads.values():
        assert row["version"] == version(store, row["id"])

    statuses = {r["id"]: r["status"] for r in read(settings, f"SELECT * FROM {S}.duplicate_suggestions")}
    assert statuses[with_third] == "dismissed"
    assert "merged" in statuses.values()
    assert asyncio.run(applied_one_by_one_differs(settings)) == {}


def test_a_lead_transferred_or_handed_to_a_team_is_read_where_it_went(store: EventStore, settings: Settings) -> None:
    ann, ben = (register_manager(store, name, f"{name}@example.com", 5, "sales") for name in ("ann", "ben"))
    register_manager(store, "sue", "sue@example.com", 5, "support")  # away: the lead waits in support's queue
    for manager in (ann, ben):
        routed(store, change_work_day, manager, "start")
    message = InboundMessage.from_visitor("v9", "m1", "Tyres?", datetime.now(UTC))
    routed(store, receive_messages, [message])
    chat = conversation_id(Channel.WEBCHAT, "v9")
    first = store.load(lead_id(chat))
    assert isinstance(first, Lead)
    assert first.manager_id is not None
    other = ben if first.manager_id == ann else ann
    transfer_to_colleague(store, chat, first.manager_id, other)
    asyncio.run(project(settings, store))
    [row] = read(settings, f"SELECT status, manager_id FROM {S}.leads WHERE id = $1", lead_id(chat))
    assert (row["status"], row["manager_id"]) == ("assigned", other)

    hand_to_team(store, chat, other, "support")
    asyncio.run(project(settings, store))
    [row] = read(settings, f"SELECT status, manager_id FROM {S}.leads WHERE id = $1", lead_id(chat))
    assert row["manager_id"] is None
