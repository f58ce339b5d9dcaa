"""Reopen a closed conversation: the operator who closed it (or anyone allowed every conversation) opens it again.

Whoever reopens it holds it again when they are at work and have room; otherwise its lead is handed
to the default team and the router routes it, as the customer writing again would.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.errors import NotYourConversation, UnknownConversation
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.conversation import Conversation
from domain.identities import lead_id
from domain.lead import Lead
from domain.manager import Manager


@dataclass(frozen=True)
class Reopened:
    """Who holds the reopened conversation now (None: handed to the router)."""

    conversation_id: UUID
    holder: UUID | None


def reopen_conversation(
    store: EventStore, conversation_id: UUID, manager_id: UUID, *, any_conversation: bool = False
) -> Reopened:
    """Open the conversation again and give its lead to the reopener, or to the router."""

    def command(work: UnitOfWork, _: Assigning) -> Reopened:
        conversation = work.find(conversation_id, Conversation)
        if conversation is None:
            raise UnknownConversation(conversation_id)
        if conversation.closed_by != manager_id and not any_conversation:
            msg = f"conversation {conversation_id} was not closed by you"
            raise NotYourConversation(msg)
        conversation.reopen(manager_id)
        lead = work.find(lead_id(conversation_id), Lead)
        if lead is None:
            return Reopened(conversation_id, None)
        lead.reopen(store.clock())
        manager = work.find(manager_id, Manager)
        if manager is not None and manager.is_present and len(manager.open_leads) < manager.capacity:
            manager.take_lead(lead.id, store.clock())
            lead.assign(manager_id, {"strategy": "reopened", "reopened_by": str(manager_id)})
            return Reopened(conversation_id, manager_id)
        lead.hand_to_team(store.team, manager_id)
        return Reopened(conversation_id, None)

    return store.transact(command)
