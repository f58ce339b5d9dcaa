"""Reply to a customer: the operator holding the conversation, or one invited into it, writes; stored once."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.errors import NotWritten, UnknownConversation
from application.event_store import EventStore
from application.holding import held_lead
from application.receiving import REPLY_RECEIPTS
from application.unit_of_work import UnitOfWork
from domain.attachments import Attachment
from domain.channels import Channel
from domain.conversation import Conversation, MessageReceipt
from domain.identities import message_receipt_id, reply_id
from domain.manager import Manager


@dataclass(frozen=True)
class Reply:
    """An operator's reply as stored."""

    reply_id: UUID
    conversation_id: UUID
    duplicate: bool


def reply(  # noqa: PLR0913 - who replies, to what, with what, and once: each is needed
    store: EventStore,
    conversation_id: UUID,
    manager_id: UUID,
    text: str,
    request_id: str,
    *,
    attachments: tuple[Attachment, ...] = (),
    any_conversation: bool = False,
) -> Reply:
    """Record an operator's reply; the same request id is stored once and marks the lead answered.

    ``attachments`` are files already in the attachment store; CannotCarryFiles if the channel cannot deliver them.
    """
    rid = reply_id(conversation_id, request_id)

    def command(work: UnitOfWork, _: Assigning) -> Reply:
        if work.get(message_receipt_id(REPLY_RECEIPTS, str(rid))) is not None:
            return Reply(rid, conversation_id, duplicate=True)
        conversation = work.find(conversation_id, Conversation)
        if conversation is None:
            raise UnknownConversation(conversation_id)
        if conversation.channel == Channel.PHONE:
            raise NotWritten(conversation_id)  # no channel would carry the reply: it would wait for ever
        invited = manager_id in conversation.participants
        lead = held_lead(work, conversation_id, manager_id, any_conversation=any_conversation or invited)
        at = store.clock()
        author = work.find(manager_id, Manager)  # the name the customer sees beside the reply
        name = author.name if author else ""
        conversation.record_reply(rid, manager_id, text, at, attachments, operator_name=name)
        work.add(MessageReceipt(REPLY_RECEIPTS, str(rid), conversation_id))
        if lead is not None:
            lead.mark_answered(manager_id, at)
        return Reply(rid, conversation_id, duplicate=False)

    return store.transact(command)
