"""Close a conversation: its lead closes wherever it stands, and its holder's place is free.

The router fills the freed place from the queue when it sees the place freed (``react``): the
operator's act is recorded here, the routing decision is the router's.
"""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.errors import UnknownConversation
from application.event_store import EventStore
from application.holding import held_lead
from application.unit_of_work import UnitOfWork
from domain.conversation import Conversation
from domain.lead import LeadStatus
from domain.manager import Manager


def close_conversation(
    store: EventStore, conversation_id: UUID, manager_id: UUID, *, any_conversation: bool = False
) -> None:
    """Close a conversation and its lead, held, on offer or waiting."""

    def command(work: UnitOfWork, assigning: Assigning) -> None:
        conversation = work.find(conversation_id, Conversation)
        if conversation is None:
            raise UnknownConversation(conversation_id)
        lead = held_lead(work, conversation_id, manager_id, any_conversation=any_conversation)
        conversation.close(manager_id)
        if lead is not None and lead.status is not LeadStatus.CLOSED:
            holder = assigning.close(lead, manager_id)
            if holder and (manager := work.find(holder, Manager)):
                manager.release_lead(lead.id)

    store.transact(command)
