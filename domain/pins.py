"""Pins: the conversations an operator keeps at the top of their own list."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError
from domain.identities import pinboard_id

MAX_PINS = 50


class TooManyPins(DomainError):
    """An operator pins only so many conversations: a list of pins all at the top orders nothing."""


class Pinboard(Aggregate):
    """One operator's pinned conversations, the latest pinned first."""

    @staticmethod
    def create_id(manager_id: UUID) -> UUID:
        """One pinboard per operator."""
        return pinboard_id(manager_id)

    @event("Started")
    def __init__(self, manager_id: UUID) -> None:
        self.manager_id = manager_id
        self.pinned: list[UUID] = []

    def pin(self, conversation_id: UUID) -> bool:
        """Pin a conversation to the top; False when it was pinned already."""
        if conversation_id in self.pinned:
            return False
        if len(self.pinned) >= MAX_PINS:
            msg = f"at most {MAX_PINS} conversations are pinned at once: unpin one first"
            raise TooManyPins(msg)
        self._pinned(conversation_id=conversation_id, manager_id=self.manager_id)
        return True

    def unpin(self, conversation_id: UUID) -> bool:
        """Take a conversation's pin off; False when it was not pinned."""
        if conversation_id not in self.pinned:
            return False
        self._unpinned(conversation_id=conversation_id, manager_id=self.manager_id)
        return True

    @event("ConversationPinned")
    def _pinned(self, conversation_id: UUID, manager_id: UUID) -> None:
        self.pinned.insert(0, conversation_id)

    @event("ConversationUnpinned")
    def _unpinned(self, conversation_id: UUID, manager_id: UUID) -> None:
        self.pinned.remove(conversation_id)
