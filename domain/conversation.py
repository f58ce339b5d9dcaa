"""A conversation: the thread of messages between a customer and us in one channel."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.attachments import Attachment
from domain.channels import Channel
from domain.errors import DomainError
from domain.identities import conversation_id, message_receipt_id

MIN_RATING, MAX_RATING = 1, 5


class ChatActRefused(DomainError):
    """An act on a conversation that its state does not allow; the message says why."""


class CannotCarryFiles(DomainError):
    """A reply with files in a channel that cannot deliver them (the web chat, VK)."""

    def __init__(self, channel: str) -> None:
        super().__init__(f"attachments: a reply in {channel} cannot carry files; send them by mail or Telegram")
        self.field = "attachments"


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
        # What a reply needs to thread under the customer's last message in their mail client.
        self.subject = ""
        self.source = ""
        self.last_message_id = ""
        self.references: list[str] = []
        self.delivered: list[str] = []  # replies whose delivery ended, one way or the other
        self.participants: list[UUID] = []  # colleagues invited in beside the holder
        self.notes: list[str] = []  # hidden notes between colleagues, by id: stored once
        self.closed_by: UUID | None = None
        self.rated = False  # the visitor rated the conversation since it was last closed

    def record_customer_message(self, message: CustomerMessage) -> None:
        """Record what the customer wrote."""
        self._customer_wrote(
            channel_message_id=message.channel_message_id,
            text=message.text,
            received_at=message.received_at,
            sender_name=message.sender_name,
            subject=message.subject,
            source=message.source,
            replies_to=list(message.replies_to),
            attachments=[dict(attachment) for attachment in message.attachments],
            edit_of=message.edit_of,
        )

    def record_customer_edit(self, edit: CustomerEdit) -> None:
        """Record that the customer changed a message of this conversation; what it said before stays in the log."""
        self._customer_edited(
            channel_message_id=edit.channel_message_id, edit_of=edit.edit_of, text=edit.text, edited_at=edit.edited_at
        )

    def record_reply(  # noqa: PLR0913 - the reply, its files and its author's name
        self,
        reply_id: UUID,
        manager_id: UUID,
        text: str,
        sent_at: datetime,
        attachments: tuple[Attachment, ...] = (),
        operator_name: str = "",
    ) -> None:
        """Record an operator's reply, with where and how it must be delivered, and who answers.

        CannotCarryFiles if the reply has files and the conversation's channel cannot deliver them.
        """
        if attachments and not Channel(self.channel).carries_files:
            raise CannotCarryFiles(self.channel)
        self._operator_replied(
            reply_id=reply_id,
            manager_id=manager_id,
            text=text,
            sent_at=sent_at,
            channel=self.channel,
            address=self.address,
            source=self.source,
            subject=self.subject,
            in_reply_to=self.last_message_id,
            references=list(self.references),
            attachments=[attachment.to_dict() for attachment in attachments],
            operator_name=operator_name,
        )

    def record_delivery(self, reply_id: UUID, outcome: DeliveryOutcome, detail: str) -> None:
        """Record whether a reply reached the customer's channel; only the first outcome of a reply counts."""
        if str(reply_id) in self.delivered:
            return
        if outcome is DeliveryOutcome.SENT:
            self._reply_sent(reply_id=reply_id, detail=detail)
        else:
            self._reply_failed(reply_id=reply_id, reason=outcome.value, detail=detail)

    @property
    def closed(self) -> bool:
        """Whether the conversation is closed (until the customer writes again)."""
        return self.status is ConversationStatus.CLOSED

    def close(self, by: UUID | None) -> None:
        """Close the conversation; the customer's next message reopens it."""
        if self.status is ConversationStatus.OPEN:
            self._closed(by=by)

    def reopen(self, by: UUID) -> None:
        """An operator opens a closed conversation again; refused while it is open."""
        if self.status is not ConversationStatus.CLOSED:
            msg = f"conversation {self.id} is open: only a closed conversation is reopened"
            raise ChatActRefused(msg)
        self._reopened(by=by)

    def add_note(self, note_id: UUID, manager_id: UUID, text: str, at: datetime) -> bool:
        """A hidden note between colleagues: never published to the customer; False if stored already."""
        if str(note_id) in self.notes:
            return False
        self._note_added(note_id=note_id, manager_id=manager_id, text=text, at=at)
        return True

    def invite(self, manager_id: UUID, by: UUID) -> None:
        """A colleague joins the conversation beside its holder: they see all of it and may reply."""
        if manager_id in self.participants:
            msg = f"manager {manager_id} is already in conversation {self.id}"
            raise ChatActRefused(msg)
        self._colleague_invited(manager_id=manager_id, by=by)

    def leave(self, manager_id: UUID) -> None:
        """An invited colleague leaves the conversation."""
        if manager_id not in self.participants:
            msg = f"manager {manager_id} was not invited into conversation {self.id}"
            raise ChatActRefused(msg)
        self._colleague_left(manager_id=manager_id)

    def rate(self, rating: int, comment: str, at: datetime) -> None:
        """The visitor's rating of a closed conversation (1 to 5) and their comment; once per closing."""
        if self.status is not ConversationStatus.CLOSED:
            msg = "a conversation is rated once it is closed"
            raise ChatActRefused(msg)
        if self.rated:
            msg = "this conversation was rated already"
            raise ChatActRefused(msg)
        if isinstance(rating, bool) or not isinstance(rating, int) or not MIN_RATING <= rating <= MAX_RATING:
            msg = f"'rating' must be a whole number from {MIN_RATING} to {MAX_RATING}"
            raise ChatActRefused(msg)
        self._rated(rating=rating, comment=comment, at=at)

    @event("Closed")
    def _closed(self, by: UUID | None) -> None:
        self.status = ConversationStatus.CLOSED
        self.closed_by = by
        self.rated = False

    @event("Reopened")
    def _reopened(self, by: UUID) -> None:
        self.status = ConversationStatus.OPEN

    @event("NoteAdded")
    def _note_added(self, note_id: UUID, manager_id: UUID, text: str, at: datetime) -> None:
        self.notes.append(str(note_id))

    @event("ColleagueInvited")
    def _colleague_invited(self, manager_id: UUID, by: UUID) -> None:
        self.participants.append(manager_id)

    @event("ColleagueLeft")
    def _colleague_left(self, manager_id: UUID) -> None:
        self.participants.remove(manager_id)

    @event("Rated")
    def _rated(self, rating: int, comment: str, at: datetime) -> None:
        self.rated = True

    @event("CustomerWrote")
    def _customer_wrote(  # noqa: PLR0913 - the whole of a customer's message
        self,
        channel_message_id: str,
        text: str,
        received_at: datetime,
        sender_name: str,
        subject: str = "",
        source: str = "",
        replies_to: list[str] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        edit_of: str = "",
    ) -> None:
        self.message_count += 1
        if edit_of:
            return  # a correction of a message already here: the thread and its state stay as they are
        self.status = ConversationStatus.OPEN  # the customer writing again reopens it
        self.subject = self.subject or subject
        self.source = source or self.source
        self.last_message_id = "" if channel_message_id.startswith(DIGEST_PREFIX) else channel_message_id
        self.references = _thread_references([*reversed(replies_to or []), channel_message_id])

    @event("CustomerMessageEdited")
    def _customer_edited(self, channel_message_id: str, edit_of: str, text: str, edited_at: datetime) -> None:
        # An edit is no new message: the count, the status and the reply's threading stay as they are.
        pass

    @event("OperatorReplied")
    def _operator_replied(  # noqa: PLR0913 - the event carries its delivery address and threading
        self,
        reply_id: UUID,
        manager_id: UUID,
        text: str,
        sent_at: datetime,
        channel: str,
        address: str,
        source: str = "",
        subject: str = "",
        in_reply_to: str = "",
        references: list[str] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        operator_name: str = "",
    ) -> None:
        self.message_count += 1
        self.status = ConversationStatus.OPEN

    @event("ReplySent")
    def _reply_sent(self, reply_id: UUID, detail: str) -> None:
        self.delivered.append(str(reply_id))

    @event("ReplyFailed")
    def _reply_failed(self, reply_id: UUID, reason: str, detail: str) -> None:
        self.delivered.append(str(reply_id))


class DeliveryOutcome(enum.StrEnum):
    """How delivering a reply through its channel ended."""

    SENT = "sent"
    REFUSED = "refused"  # the server refused it for good
    GAVE_UP = "gave_up"  # retried until the retries ran out
    UNCERTAIN = "uncertain"  # interrupted after the hand-over began: not sent again, to never send twice


@dataclass(frozen=True)
class CustomerMessage:
    """One message of a customer as the conversation records it."""

    channel_message_id: str
    text: str
    received_at: datetime
    sender_name: str = ""
    subject: str = ""
    source: str = ""
    replies_to: tuple[str, ...] = ()
    attachments: tuple[dict[str, Any], ...] = ()
    edit_of: str = ""  # the channel message id of the message this one edits


@dataclass(frozen=True)
class CustomerEdit:
    """A customer's change to a message they sent: the edit's own channel id, and the message it changes."""

    channel_message_id: str
    edit_of: str
    text: str
    edited_at: datetime


# Ids made of a digest (a mail without Message-ID) are ours, not the channel's: a reply cannot cite them.
DIGEST_PREFIX = "sha256:"
MAX_REFERENCES = 20


def _thread_references(ids: list[str]) -> list[str]:
    """The ids a reply cites as References: unique, the thread's first kept, then the latest ones."""
    unique = [i for n, i in enumerate(ids) if i and not i.startswith(DIGEST_PREFIX) and i not in ids[:n]]
    if len(unique) <= MAX_REFERENCES:
        return unique
    return [unique[0], *unique[-(MAX_REFERENCES - 1) :]]


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
