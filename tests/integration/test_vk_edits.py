"""A customer's edit is stored as an edit of their message: it neither reopens a closed conversation nor
routes its lead again, and it says which message it corrects."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from application.close_conversation import close_conversation
from application.event_store import EventStore
from application.receive_messages import receive_messages
from application.receiving import Outcome
from connectors.vk.events import CustomerWrote, read_event
from connectors.vk.inbound import Community, message_of
from devstack.vk_events import message_edit, message_new
from domain.conversation import Conversation, ConversationStatus
from domain.identities import lead_id
from domain.inbound import InboundMessage
from domain.lead import Lead, LeadStatus
from tests.vk_harness import customer_messages

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

GROUP, CUSTOMER = 777, 501
SHOP = Community("shop", GROUP)


def inbound(event: dict[str, object]) -> InboundMessage:
    wrote = read_event(event, GROUP)
    assert isinstance(wrote, CustomerWrote)
    return message_of(SHOP, wrote, "Ivan Petrov", [])


async def test_an_edit_corrects_a_message_without_reopening_or_routing(store: EventStore, pool: asyncpg.Pool) -> None:
    (first,) = receive_messages(store, [inbound(message_new(GROUP, 40, CUSTOMER, "to Rga"))])
    assert first.conversation_id is not None
    close_conversation(store, first.conversation_id, uuid.uuid4(), any_conversation=True)

    edit = inbound(message_edit(GROUP, 40, CUSTOMER, "to Riga", update_time=1_767_225_900))
    assert edit.edit_of == f"{GROUP}:40"
    (edited,) = receive_messages(store, [edit])
    assert (edited.outcome, edited.conversation_id) == (Outcome.EDITED, first.conversation_id)
    assert receive_messages(store, [edit])[0].outcome is Outcome.DUPLICATE

    conversation = store.repository.get(first.conversation_id)
    assert isinstance(conversation, Conversation)
    assert conversation.status is ConversationStatus.CLOSED
    assert conversation.last_message_id == f"{GROUP}:40"
    lead = store.repository.get(lead_id(first.conversation_id))
    assert isinstance(lead, Lead)
    assert lead.status is LeadStatus.CLOSED

    original, correction = await customer_messages(pool)
    assert original.get("edit_of", "") == ""
    assert (correction["edit_of"], correction["text"]) == (f"{GROUP}:40", "to Riga")

    # A new message, unlike an edit, reopens the conversation.
    receive_messages(store, [inbound(message_new(GROUP, 41, CUSTOMER, "and to Tallinn?"))])
    conversation = store.repository.get(first.conversation_id)
    assert isinstance(conversation, Conversation)
    assert conversation.status is ConversationStatus.OPEN
