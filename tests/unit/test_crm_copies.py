"""Mail copied or forwarded to the CRM address: an activity on the customer's contact, never a stray lead."""

from __future__ import annotations

from datetime import UTC, datetime

from application.event_store import EventStore
from application.receive_messages import receive_messages
from application.receiving import Outcome
from connectors.mail.parsing import Routing, parse_mail, to_inbound
from domain.channels import Channel, ChannelAddress
from domain.identities import address_book_entry_id
from domain.inbound import InboundMessage
from tests.log_invariants import log_events

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CRM = Routing(crm_address="crm@shop.example")
FORWARD = (
    b"From: Cora Colleague <cora@shop.example>\r\nTo: crm@shop.example\r\nSubject: Fwd: Prices\r\n"
    b"Message-ID: <fwd-1@shop.example>\r\n\r\nFYI\r\n\r\n---------- Forwarded message ---------\r\n"
    b"From: Carl Client <Carl@Client.example>\r\nDate: Mon, 3 Mar 2025\r\nSubject: Prices\r\n\r\nHow much?\r\n"
)


def memory_store() -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales")


def test_a_forward_to_the_crm_address_says_it_is_one() -> None:
    message = to_inbound(parse_mail(FORWARD), "crm", RECEIVED, CRM)
    assert (message.crm_copy, message.forwarded, message.correspondents) == (True, True, ("carl@client.example",))
    assert InboundMessage.from_dict(message.to_dict()) == message


def test_a_mail_cced_to_the_crm_address_is_no_forward() -> None:
    raw = b"From: Boris <boris@shop.example>\r\nTo: anna@example.com\r\nCc: crm@shop.example\r\n\r\nYour quote\r\n"
    message = to_inbound(parse_mail(raw), "sales", RECEIVED, CRM)
    assert (message.crm_copy, message.forwarded) == (True, False)


def test_a_forward_by_a_colleague_who_is_no_manager_is_an_activity_of_the_forwarded_customer() -> None:
    store = memory_store()
    message = to_inbound(parse_mail(FORWARD), "crm", RECEIVED, CRM)

    (received,) = receive_messages(store, [message])

    assert received.outcome is Outcome.ACTIVITY
    assert (received.conversation_id, received.lead_id) == (None, None)
    customer = store.repository.get(address_book_entry_id("email:carl@client.example")).contact_id
    assert received.contact_id == customer
    (activity,) = [d for k, a, d in log_events(store) if k == "Contact.ActivityLogged"]
    assert (activity["manager_id"], activity["forwarded_by"]) == (None, "cora@shop.example")
    assert activity["subject"] == "Fwd: Prices"
    kinds = {k for k, _, _ in log_events(store)}
    assert "Lead.Created" not in kinds
    assert "Conversation.Opened" not in kinds
    # The colleague became no customer.
    assert address_book_entry_id("email:cora@shop.example") not in store.repository


def test_a_customer_who_copies_the_crm_address_still_opens_a_lead() -> None:
    store = memory_store()
    message = InboundMessage(
        channel=Channel.EMAIL,
        channel_message_id="m-1@client.example",
        thread="m-1@client.example",
        sender=ChannelAddress(Channel.EMAIL, "carl@client.example"),
        text="How much?",
        received_at=RECEIVED,
        crm_copy=True,
    )
    (received,) = receive_messages(store, [message])
    assert received.outcome is Outcome.STORED
    assert received.lead_id is not None
    assert "Lead.Created" in {k for k, _, _ in log_events(store)}
