"""A customer's display name is kept, but what would hide or reverse text in it is written out visibly."""

from __future__ import annotations

from datetime import UTC, datetime

from application.event_store import EventStore
from application.receive_messages import receive_messages
from domain.contact import Contact
from domain.conversation import Conversation
from domain.inbound import InboundMessage

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_name_with_a_direction_override_is_stored_with_it_shown() -> None:
    store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales")
    message = InboundMessage.from_visitor("v1", "m1", "hello", RECEIVED, sender_name="Support\u202e moc.knab")
    (received,) = receive_messages(store, [message])
    conversation = store.repository.get(received.conversation_id)
    assert isinstance(conversation, Conversation)
    contact = store.repository.get(conversation.contact_id)
    assert isinstance(contact, Contact)
    assert contact.name == "Support<U+202E> moc.knab"
    wrote = [vars(e)["sender_name"] for e in store.history(conversation.id) if type(e).__name__ == "CustomerWrote"]
    assert wrote == ["Support<U+202E> moc.knab"]
