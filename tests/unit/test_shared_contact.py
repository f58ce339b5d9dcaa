"""A customer's own contact card, shared in a messenger, joins them to the contact that has the number."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from application.create_contact import create_contact
from application.event_store import EventStore
from application.receive_messages import receive_messages
from application.resolve_contact import resolve_contact
from connectors.telegram.inbound import to_inbound
from connectors.telegram.updates import CustomerMessage, read_update
from domain.contact import Contact
from domain.conversation import Conversation
from domain.identities import conversation_id
from tests.log_invariants import log_events

DATE = 1_772_441_000
MANAGER = uuid4()


def telegram_update(number: int, **message: Any) -> CustomerMessage:
    fields: dict[str, Any] = {
        "message_id": number,
        "from": {"id": 42, "is_bot": False, "first_name": "Ivan"},
        "chat": {"id": 42, "type": "private"},
        "date": DATE + number,
        "text": "Do you deliver to Riga?",
    }
    fields.update(message)
    read = read_update({"update_id": 1000 + number, "message": {k: v for k, v in fields.items() if v is not None}})
    assert isinstance(read, CustomerMessage)
    return read


def conversation_contact(store: EventStore) -> Contact:
    conversation = store.repository.get(conversation_id("telegram", "shop:42"))
    assert isinstance(conversation, Conversation)
    contact = store.repository.get(resolve_contact(store, conversation.contact_id).contact_id)
    assert isinstance(contact, Contact)
    return contact


def own_card(number: int, phone: str) -> CustomerMessage:
    return telegram_update(number, text=None, contact={"phone_number": phone, "first_name": "Ivan", "user_id": 42})


def test_a_customer_who_shares_their_own_number_mid_conversation_joins_the_contact_that_has_it() -> None:
    store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    known = create_contact(store, MANAGER, "Ivan Petrov", phones=["+371 2000 0000"], emails=["ivan@example.lv"])
    receive_messages(store, [to_inbound("shop", telegram_update(1))])
    assert conversation_contact(store).id != known.contact_id  # a stranger so far

    receive_messages(store, [to_inbound("shop", own_card(2, "37120000000"))])

    contact = conversation_contact(store)
    assert contact.id == known.contact_id
    assert "telegram:shop:42" in contact.addresses
    merges = [e for k, _, e in log_events(store) if k == "Contact.Merged"]
    assert len(merges) == 1
    assert merges[0]["by"] is None
    assert "+37120000000" in merges[0]["why"]
    # The customer's next message joins the known contact directly.
    receive_messages(store, [to_inbound("shop", telegram_update(3, text="Any news?"))])
    assert len([k for k, _, _ in log_events(store) if k == "Contact.Merged"]) == 1


def test_a_contact_a_manager_has_worked_on_is_only_suggested_as_a_duplicate() -> None:
    store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    create_contact(store, MANAGER, "Ivan Petrov", phones=["+37120000000"])
    receive_messages(store, [to_inbound("shop", telegram_update(1, contact=None))])
    stranger = conversation_contact(store)
    create_contact(store, MANAGER, "Someone", emails=["x@example.lv"])  # unrelated
    receive_messages(store, [to_inbound("shop", own_card(2, "37120000001"))])  # a number nobody has: added
    receive_messages(store, [to_inbound("shop", own_card(3, "37120000000"))])  # now known by a phone: not merged

    assert conversation_contact(store).id == stranger.id
    assert not [k for k, _, _ in log_events(store) if k == "Contact.Merged"]
    suggested = [e for k, _, e in log_events(store) if k == "Contact.DuplicateSuggested"]
    assert {e["other_contact_id"] for e in suggested} >= {stranger.id}
