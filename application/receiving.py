"""Receiving inbound messages: contact, conversation, lead and its routing, exactly once each."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.assigning import Assigning
from application.unit_of_work import UnitOfWork
from domain.channels import ChannelAddress
from domain.contact import Activity, AddressBookEntry, Contact
from domain.conversation import Conversation, CustomerMessage, MessageReceipt
from domain.identities import address_book_entry_id, conversation_id, lead_id, manager_id, message_receipt_id
from domain.inbound import InboundMessage
from domain.lead import Lead, LeadStatus
from domain.manager import Manager
from domain.team import Team

REPLY_RECEIPTS = "reply"


class Outcome(enum.StrEnum):
    """What receiving did with one message."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    ACTIVITY = "activity"  # a manager's mail copied to the CRM, logged on the customer's contact


@dataclass(frozen=True)
class ReceivedMessage:
    """The result of receiving one inbound message, with the ids to log."""

    channel_message_id: str
    outcome: Outcome
    conversation_id: UUID | None
    lead_id: UUID | None
    assigned_to: UUID | None
    contact_id: UUID | None = None


def replied_ids(message: InboundMessage) -> list[UUID]:
    """Receipts that may name the conversation a message continues, the nearest reference first.

    A customer's message is cited by its own channel id; one of our replies by its reply id, which
    is the part of our Message-ID before the "@".
    """
    receipts = []
    for reference in message.replies_to:
        receipts.append(message_receipt_id(message.channel, reference))
        local_part = reference.partition("@")[0]
        try:
            receipts.append(message_receipt_id(REPLY_RECEIPTS, str(UUID(local_part))))
        except ValueError:
            continue
    return receipts


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
            conv = conversation_id(m.channel, m.conversation_thread)
            ids |= {message_receipt_id(m.channel, m.channel_message_id), conv, lead_id(conv)}
            ids.add(address_book_entry_id(str(m.sender)))
            ids.update(replied_ids(m))
            if m.crm_copy:
                ids.add(manager_id(m.sender.value))
                ids.update(address_book_entry_id(str(ChannelAddress(m.channel, c))) for c in m.correspondents)
        return ids

    @staticmethod
    def related(aggregates: Iterable[Aggregate]) -> set[UUID]:
        """The ids the given aggregates name, which receiving and routing go on to load."""
        ids: set[UUID] = set()
        for aggregate in aggregates:
            if isinstance(aggregate, AddressBookEntry):
                ids.add(aggregate.contact_id)
            elif isinstance(aggregate, MessageReceipt):
                ids |= {aggregate.conversation_id, lead_id(aggregate.conversation_id)}
            elif isinstance(aggregate, Conversation):
                ids |= {aggregate.contact_id, lead_id(aggregate.id)}
            elif isinstance(aggregate, Lead):
                ids |= {aggregate.contact_id, *([aggregate.manager_id] if aggregate.manager_id else [])}
            elif isinstance(aggregate, Team):
                ids.update(aggregate.members)
            elif isinstance(aggregate, Contact) and aggregate.responsible_manager_id:
                ids.add(aggregate.responsible_manager_id)
        return ids

    def receive(self, message: InboundMessage) -> ReceivedMessage:
        """Apply one message; a message whose receipt exists changes nothing."""
        receipt_id = message_receipt_id(message.channel, message.channel_message_id)
        receipt = self._work.find(receipt_id, MessageReceipt)
        if receipt is not None:
            lead = self._work.find(lead_id(receipt.conversation_id), Lead)
            holder = lead.manager_id if lead else None
            return ReceivedMessage(
                message.channel_message_id,
                Outcome.DUPLICATE,
                receipt.conversation_id,
                lead_id(receipt.conversation_id),
                holder,
            )
        if message.crm_copy and self._work.find(manager_id(message.sender.value), Manager) is not None:
            return self._log_activity(message)
        if message.crm_copy and message.forwarded:
            # A colleague who is not a manager forwarded a customer's mail: the customer's, not a lead of theirs.
            return self._log_activity(message, forwarded_by=message.sender.value)
        conversation = self._continued(message) or self._work.find(
            conversation_id(message.channel, message.conversation_thread), Conversation
        )
        conversation = conversation or self._open(message)
        conversation.record_customer_message(
            CustomerMessage(
                channel_message_id=message.channel_message_id,
                text=message.text,
                received_at=message.received_at,
                sender_name=message.sender_name,
                subject=message.subject,
                source=message.source,
                replies_to=message.replies_to,
                attachments=tuple(attachment.to_dict() for attachment in message.attachments),
                edit_of=message.edit_of,
            )
        )
        self._work.add(MessageReceipt(message.channel, message.channel_message_id, conversation.id))
        lead = self._work.find(lead_id(conversation.id), Lead)
        assert lead is not None  # opened with the conversation
        if message.edit_of and lead.status is not LeadStatus.NEW:
            # A correction is no new request: it neither reopens the lead nor routes it again.
            return ReceivedMessage(
                message.channel_message_id, Outcome.STORED, conversation.id, lead.id, lead.manager_id
            )
        lead.reopen(message.received_at)
        if lead.status is LeadStatus.NEW:
            self._assigning.route(lead, message.received_at)
        return ReceivedMessage(message.channel_message_id, Outcome.STORED, conversation.id, lead.id, lead.manager_id)

    def _continued(self, message: InboundMessage) -> Conversation | None:
        """The conversation of the nearest message this one answers, if it is ours."""
        for receipt_id in replied_ids(message):
            receipt = self._work.find(receipt_id, MessageReceipt)
            if receipt is not None:
                conversation = self._work.find(receipt.conversation_id, Conversation)
                if conversation is not None:
                    return conversation
        return None

    def _log_activity(self, message: InboundMessage, forwarded_by: str = "") -> ReceivedMessage:
        """A mail to or from a customer copied to the CRM: logged on the customer's contact.

        By a manager, or forwarded by a colleague who is not one (``forwarded_by``, their address).
        """
        customers = [c for c in message.correspondents if self._work.find(manager_id(c), Manager) is None]
        author = None if forwarded_by else manager_id(message.sender.value)
        address = str(ChannelAddress(message.channel, customers[0])) if customers else str(message.sender)
        contact_id = self._contact_for(address, name="")
        contact = self._work.find(contact_id, Contact)
        assert contact is not None  # found or registered just now
        contact.log_activity(
            Activity(
                kind=str(message.channel),
                channel_message_id=message.channel_message_id,
                subject=message.subject,
                text=message.text,
                occurred_at=message.received_at,
                manager_id=author,
                attachments=tuple(attachment.to_dict() for attachment in message.attachments),
                forwarded_by=forwarded_by,
            )
        )
        # The receipt names the contact: the copy belongs to no conversation.
        self._work.add(MessageReceipt(message.channel, message.channel_message_id, contact_id))
        return ReceivedMessage(message.channel_message_id, Outcome.ACTIVITY, None, None, None, contact_id)

    def _contact_for(self, address: str, name: str) -> UUID:
        entry = self._work.find(address_book_entry_id(address), AddressBookEntry)
        if entry is not None:
            return entry.contact_id
        contact = Contact(name=name or address, address=address)
        self._work.add(contact)
        self._work.add(AddressBookEntry(address=address, contact_id=contact.id))
        return contact.id

    def _open(self, message: InboundMessage) -> Conversation:
        address = str(message.sender)
        contact_id = self._contact_for(address, message.sender_name)
        conversation = Conversation(
            channel=message.channel, thread=message.conversation_thread, address=address, contact_id=contact_id
        )
        self._work.add(conversation)
        self._work.add(
            Lead(
                conversation_id=conversation.id,
                contact_id=contact_id,
                channel=message.channel,
                source=message.source,
                arrived_at=message.received_at,
            )
        )
        return conversation
