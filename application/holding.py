"""Who may act on a conversation: the manager holding its lead, or anyone allowed every conversation."""

from __future__ import annotations

from uuid import UUID

from application.errors import NotYourConversation
from application.unit_of_work import UnitOfWork
from domain.identities import lead_id
from domain.lead import Lead


def held_lead(work: UnitOfWork, conversation_id: UUID, manager_id: UUID, *, any_conversation: bool) -> Lead | None:
    """The conversation's lead, if ``manager_id`` holds it or may act on any conversation."""
    lead = work.find(lead_id(conversation_id), Lead)
    holder = lead.manager_id if lead else None
    if holder != manager_id and not any_conversation:
        msg = f"conversation {conversation_id} is not assigned to you"
        raise NotYourConversation(msg)
    return lead
