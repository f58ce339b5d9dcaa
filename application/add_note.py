"""Add a hidden note to a conversation: for colleagues, never for the customer, in no channel."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.conversation_access import joined_conversation
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.identities import note_id


@dataclass(frozen=True)
class Note:
    """A note as stored."""

    note_id: UUID
    duplicate: bool


def add_note(  # noqa: PLR0913 - who notes, on what, what, and once
    store: EventStore,
    conversation_id: UUID,
    manager_id: UUID,
    text: str,
    request_id: str,
    *,
    any_conversation: bool = False,
) -> Note:
    """The holder, an invited colleague or anyone allowed every conversation notes; one request is stored once."""
    nid = note_id(conversation_id, request_id)

    def command(work: UnitOfWork, _: Assigning) -> Note:
        conversation, _lead = joined_conversation(work, conversation_id, manager_id, any_conversation=any_conversation)
        added = conversation.add_note(nid, manager_id, text, store.clock())
        return Note(nid, duplicate=not added)

    return store.transact(command)
