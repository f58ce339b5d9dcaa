"""The visitor rates a closed conversation (1 to 5, and a comment): stored on the conversation."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.errors import UnknownConversation
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.conversation import Conversation


def rate_conversation(store: EventStore, conversation_id: UUID, rating: int, comment: str) -> None:
    """Record the customer's rating of their closed conversation; refused if open or rated since it closed."""

    def command(work: UnitOfWork, _: Assigning) -> None:
        conversation = work.find(conversation_id, Conversation)
        if conversation is None:
            raise UnknownConversation(conversation_id)
        conversation.rate(rating, comment, store.clock())

    store.transact(command)
