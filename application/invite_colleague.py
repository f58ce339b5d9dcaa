"""Invite a colleague into a conversation, and leave it: they see all of it, before they came too, and reply."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.conversation_access import held_conversation
from application.errors import UnknownConversation, UnknownManager
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.conversation import ChatActRefused, Conversation
from domain.manager import Manager


def invite_colleague(
    store: EventStore, conversation_id: UUID, by: UUID, colleague: UUID, *, any_conversation: bool = False
) -> None:
    """The holder (or anyone allowed every conversation) brings ``colleague`` into the conversation."""

    def command(work: UnitOfWork, _: Assigning) -> None:
        conversation, lead = held_conversation(work, conversation_id, by, any_conversation=any_conversation)
        if work.find(colleague, Manager) is None:
            raise UnknownManager(colleague)
        if lead is not None and lead.manager_id == colleague:
            msg = "that colleague holds the conversation already"
            raise ChatActRefused(msg)
        conversation.invite(colleague, by)

    store.transact(command)


def leave_conversation(store: EventStore, conversation_id: UUID, manager_id: UUID) -> None:
    """An invited colleague leaves; the conversation goes from their list."""

    def command(work: UnitOfWork, _: Assigning) -> None:
        conversation = work.find(conversation_id, Conversation)
        if conversation is None:
            raise UnknownConversation(conversation_id)
        conversation.leave(manager_id)

    store.transact(command)
