"""Receiving inbound messages: contact, conversation, lead and its routing, exactly once each."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.assigning import Assigning
from application.form_intake import record_submission, responsible_for
from application.touch_contacts import carried_addresses, contact_for_touch
from application.unit_of_work import UnitOfWork
from domain.address_book import AddressBookEntry
from domain.channels import ChannelAddress
from domain.contact import Activity, Contact
from domain.conversation import Conversation, CustomerEdit, CustomerMessage, MessageReceipt
from domain.identities import address_book_entry_id, conversation_id, lead_id, manager_id, message_receipt_id
from domain.inbound import InboundMessage
from domain.lead import Lead, LeadStatus
from domain.manager import Manager
from domain.team import Team
from domain.text import marked_name

REPLY_RECEIPTS = "reply"


class Outcome(enum.StrEnum):
    """What receiving did with one message."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    ACTIVITY = "activity"  # a manager's mail copied to the CRM, logged on the customer's contact
    EDITED = "edited"  # a messenger's edit of a message already stored


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
            ids.update(address_book_entry_id(address) for address in carried_addresses(m.intake))
            ids.update(replied_ids(m))
            if m.edit_of:
                ids.add(message_receipt_id(m.channel, m.edit_of))
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
            elif isinstance(aggregate, Contact):
                ids.update(i for i in (aggregate.responsible_manager_id, aggregate.merged_into) if i is not None)
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
        edited = self._edited(message)
        if edited is not None:
            return edited
        from_manager = message.crm_copy and self._work.find(manager_id(message.sender.value), Manager) is not None
        if from_manager and message.sender_verified:
            return self._log_activity(message)
        if from_manager or (message.crm_copy and message.forwarded):
            # A colleague who is not a manager forwarded a customer's mail: the customer's, not a lead of theirs.
            # A manager's address nobody vouched for is logged the same way: by that address, not in their name.
            return self._log_activity(message, forwarded_by=message.sender.value)
        conversation = self._continued(message) or self._work.find(
            conversation_id(message.channel, message.conversation_thread), Conversation
        )
        if conversation is None:
            conversation = self._open(message)
        elif message.intake is not None:
            # A later message may bring the customer's e-mail or phone: their contact learns it.
            contact_for_touch(self._work, message.sender, marked_name(message.sender_name), message.intake)
        conversation.record_customer_message(
            CustomerMessage(
                channel_message_id=message.channel_message_id,
                text=message.text,
                received_at=message.received_at,
                sender_name=marked_name(message.sender_name),
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
        if message.intake is not None:
            # Before routing, so that rules on amount and product category see what the form said.
            lead.change_details(lead.details.updated_by(message.intake.details), by=None)
        if lead.status is LeadStatus.NEW:
            self._assigning.route(lead, message.received_at, responsible=responsible_for(self._work, message.form))
        record_submission(self._work, message, lead)
        return ReceivedMessage(message.channel_message_id, Outcome.STORED, conversation.id, lead.id, lead.manager_id)

    def _edited(self, message: InboundMessage) -> ReceivedMessage | None:
        """An edit of a message we stored, recorded on its conversation; None if the original is not ours.

        An edit of a message that never reached us (sent before the channel was connected) is taken
        as a message of its own, so the customer's words are not lost.
        """
        if not message.edit_of:
            return None
        original = self._work.find(message_receipt_id(message.channel, message.edit_of), MessageReceipt)
        conversation = self._work.find(original.conversation_id, Conversation) if original else None
        if conversation is None:
            return None
        conversation.record_customer_edit(
            CustomerEdit(message.channel_message_id, message.edit_of, message.text, message.received_at)
        )
        self._work.add(MessageReceipt(message.channel, message.channel_message_id, conversation.id))
        lead = self._work.find(lead_id(conversation.id), Lead)
        holder = lead.manager_id if lead else None
        return ReceivedMessage(
            message.channel_message_id, Outcome.EDITED, conversation.id, lead_id(conversation.id), holder
        )

    def _continued(self, message: InboundMessage) -> Conversation | None:
        """The conversation of the nearest message this one answers, if it is ours and its customer's.

        Citing a message is no proof of being its customer (ids travel in every reply and forward): a
        sender who is not the conversation's customer gets a conversation of their own instead.
        """
        for receipt_id in replied_ids(message):
            receipt = self._work.find(receipt_id, MessageReceipt)
            if receipt is not None:
                conversation = self._work.find(receipt.conversation_id, Conversation)
                if conversation is not None and conversation.address == str(message.sender):
                    return conversation
        return None

    def _log_activity(self, message: InboundMessage, forwarded_by: str = "") -> ReceivedMessage:
        """A mail to or from a customer copied to the CRM: logged on the customer's contact.

        By a manager, or forwarded by a colleague who is not one (``forwarded_by``, their address).
        """
        customers = [c for c in message.correspondents if self._work.find(manager_id(c), Manager) is None]
        author = None if forwarded_by else manager_id(message.sender.value)
        address = str(ChannelAddress(message.channel, customers[0])) if customers else str(message.sender)
        contact_id = contact_for_touch(self._work, ChannelAddress.parse(address), "", None)
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

    def _open(self, message: InboundMessage) -> Conversation:
        address = str(message.sender)
        contact_id = contact_for_touch(self._work, message.sender, marked_name(message.sender_name), message.intake)
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
