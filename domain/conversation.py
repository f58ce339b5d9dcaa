"""A conversation: the thread of messages between a customer and us in one channel."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.identities import conversation_id, message_receipt_id


class ConversationStatus(enum.StrEnum):
    """Where a conversation stands."""

    OPEN = "open"
    CLOSED = "closed"


class Conversation(Aggregate):
    """Messages in one channel thread, and who answers them."""

    @staticmethod
    def create_id(channel: str, thread: str, address: str, contact_id: UUID) -> UUID:  # noqa: ARG004
        """One conversation per channel thread."""
        return conversation_id(channel, thread)

    @event("Opened")
    def __init__(self, channel: str, thread: str, address: str, contact_id: UUID) -> None:
        self.channel = channel
        self.thread = thread
        self.address = address
        self.contact_id = contact_id
        self.status = ConversationStatus.OPEN
        self.message_count = 0

    def record_customer_message(
        self, channel_message_id: str, text: str, received_at: datetime, sender_name: str
    ) -> None:
        """Record what the customer wrote."""
        self._customer_wrote(
            channel_message_id=channel_message_id,
            text=text,
            received_at=received_at,
            sender_name=sender_name,
        )

    def record_reply(self, reply_id: UUID, manager_id: UUID, text: str, sent_at: datetime) -> None:
        """Record an operator's reply, with where it must be delivered."""
        self._operator_replied(
            reply_id=reply_id,
            manager_id=manager_id,
            text=text,
            sent_at=sent_at,
            channel=self.channel,
            address=self.address,
        )

    def close(self, by: UUID | None) -> None:
        """Close the conversation; the customer's next message reopens it."""
        if self.status is ConversationStatus.OPEN:
            self._closed(by=by)

    @event("Closed")
    def _closed(self, by: UUID | None) -> None:
        self.status = ConversationStatus.CLOSED

    @event("CustomerWrote")
    def _customer_wrote(self, channel_message_id: str, text: str, received_at: datetime, sender_name: str) -> None:
        self.message_count += 1

    @event("OperatorReplied")
    def _operator_replied(  # noqa: PLR0913 - the event carries its delivery address
        self,
        reply_id: UUID,
        manager_id: UUID,
        text: str,
        sent_at: datetime,
        channel: str,
        address: str,
    ) -> None:
        self.message_count += 1
        self.status = ConversationStatus.OPEN


class MessageReceipt(Aggregate):
    """Proof that one channel message was stored.

    Its id derives from the channel's own message id: a redelivered message
    collides with its receipt in the event store and is recognised as seen.
    """

    @staticmethod
    def create_id(channel: str, channel_message_id: str, conversation_id: UUID) -> UUID:  # noqa: ARG004
        """One receipt per channel message."""
        return message_receipt_id(channel, channel_message_id)

    @event("Recorded")
    def __init__(self, channel: str, channel_message_id: str, conversation_id: UUID) -> None:
        self.conversation_id = conversation_id
