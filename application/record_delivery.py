"""Record how delivering a reply through its channel ended: sent, or failed with the reason."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.errors import UnknownConversation
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.conversation import Conversation, DeliveryOutcome


def record_delivery(
    store: EventStore, conversation_id: UUID, reply: UUID, outcome: DeliveryOutcome, detail: str
) -> None:
    """Record a delivery's outcome on the conversation; a second outcome of one reply changes nothing."""

    def command(work: UnitOfWork, _: Assigning) -> None:
        conversation = work.find(conversation_id, Conversation)
        if conversation is None:
            raise UnknownConversation(conversation_id)
        conversation.record_delivery(reply, outcome, detail)

    store.transact(command)
