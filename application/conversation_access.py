"""Who may act on a conversation beyond its holder: the colleagues invited into it."""

from __future__ import annotations

from uuid import UUID

from application.errors import UnknownConversation
from application.holding import held_lead
from application.unit_of_work import UnitOfWork
from domain.conversation import Conversation
from domain.lead import Lead


def joined_conversation(
    work: UnitOfWork, conversation_id: UUID, manager_id: UUID, *, any_conversation: bool
) -> tuple[Conversation, Lead | None]:
    """The conversation and its lead, if ``manager_id`` holds it, was invited into it, or may act on any."""
    conversation = work.find(conversation_id, Conversation)
    if conversation is None:
        raise UnknownConversation(conversation_id)
    invited = manager_id in conversation.participants
    return conversation, held_lead(work, conversation_id, manager_id, any_conversation=any_conversation or invited)


def held_conversation(
    work: UnitOfWork, conversation_id: UUID, manager_id: UUID, *, any_conversation: bool
) -> tuple[Conversation, Lead | None]:
    """The conversation and its lead, if ``manager_id`` holds it or may act on any (invited colleagues may not)."""
    conversation = work.find(conversation_id, Conversation)
    if conversation is None:
        raise UnknownConversation(conversation_id)
    return conversation, held_lead(work, conversation_id, manager_id, any_conversation=any_conversation)
