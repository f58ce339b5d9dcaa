"""Pin a conversation to the top of one's own list, or take the pin off: each operator has their own pins."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.pins import Pinboard


def pin_conversation(store: EventStore, manager_id: UUID, conversation_id: UUID, *, pinned: bool) -> list[UUID]:
    """Pin (``pinned``) or unpin the conversation for ``manager_id``; returns their pins, the latest first.

    The caller checks the operator may see the conversation: a pin shows nothing by itself.
    """

    def command(work: UnitOfWork, _: Assigning) -> list[UUID]:
        board = work.find(Pinboard.create_id(manager_id), Pinboard)
        if board is None:
            if not pinned:
                return []
            board = Pinboard(manager_id)
            work.add(board)
        if pinned:
            board.pin(conversation_id)
        else:
            board.unpin(conversation_id)
        return list(board.pinned)

    return store.transact(command)


def pins_of(store: EventStore, manager_id: UUID) -> list[UUID]:
    """The manager's pins as the event store has them, the latest first: a pin made a moment ago included."""
    board = store.load(Pinboard.create_id(manager_id))
    return list(board.pinned) if isinstance(board, Pinboard) else []
