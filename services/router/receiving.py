"""Receiving inbound messages: contact, conversation, lead and its routing, exactly once each."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from domain.contact import AddressBookEntry, Contact
from domain.conversation import Conversation, MessageReceipt
from domain.identities import address_book_entry_id, conversation_id, lead_id, message_receipt_id
from domain.inbound import InboundMessage
from domain.lead import Lead, LeadStatus
from services.router.assigning import Assigning
from services.router.unit_of_work import UnitOfWork


class Outcome(enum.StrEnum):
    """What receiving did with one message."""

    STORED = "stored"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class ReceivedMessage:
    """The result of receiving one inbound message, with the ids to log."""

    channel_message_id: str
    outcome: Outcome
    conversation_id: UUID
    lead_id: UUID
    assigned_to: UUID | None


class Receiving:
    """Applies inbound messages to the aggregates of one unit of work."""

    def __init__(self, work: UnitOfWork, assigning: Assigning) -> None:
        self._work = work
        self._assigning = assigning

    @staticmethod
    def looked_up(messages: list[InboundMessage]) -> set[UUID]:
        """The ids receiving these messages may look up: receipts, conversations, leads, addresses."""
        ids: set[UUID] = set()
        for m in messages:
            conv = conversation_id(m.channel, m.thread)
            ids |= {message_receipt_id(m.channel, m.channel_message_id), conv, lead_id(conv)}
            ids.add(address_book_entry_id(str(m.sender)))
        return ids

    def receive(self, message: InboundMessage) -> ReceivedMessage:
        """Apply one message; a message whose receipt exists changes nothing."""
        conv_id = conversation_id(message.channel, message.thread)
        receipt_id = message_receipt_id(message.channel, message.channel_message_id)
        if self._work.get(receipt_id) is not None:
            lead = self._work.find(lead_id(conv_id), Lead)
            holder = lead.manager_id if lead else None
            return ReceivedMessage(message.channel_message_id, Outcome.DUPLICATE, conv_id, lead_id(conv_id), holder)
        conversation = self._work.find(conv_id, Conversation) or self._open(message)
        conversation.record_customer_message(
            message.channel_message_id, message.text, message.received_at, message.sender_name
        )
        self._work.add(MessageReceipt(message.channel, message.channel_message_id, conv_id))
        lead = self._work.find(lead_id(conv_id), Lead)
        assert lead is not None  # opened with the conversation
        lead.reopen()
        if lead.status is LeadStatus.NEW:
            self._assigning.route(lead, message.received_at)
        return ReceivedMessage(message.channel_message_id, Outcome.STORED, conv_id, lead.id, lead.manager_id)

    def _open(self, message: InboundMessage) -> Conversation:
        address = str(message.sender)
        entry = self._work.find(address_book_entry_id(address), AddressBookEntry)
        if entry is not None:
            contact_id = entry.contact_id
        else:
            contact = Contact(name=message.sender_name or address, address=address)
            self._work.add(contact)
            self._work.add(AddressBookEntry(address=address, contact_id=contact.id))
            contact_id = contact.id
        conversation = Conversation(
            channel=message.channel, thread=message.thread, address=address, contact_id=contact_id
        )
        self._work.add(conversation)
        self._work.add(
            Lead(conversation_id=conversation.id, contact_id=contact_id, channel=message.channel, source=message.source)
        )
        return conversation
