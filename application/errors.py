"""What a use case refuses, in the users' words; each is a DomainError the interfaces answer with."""

from __future__ import annotations

from uuid import UUID

from domain.errors import DomainError


class NotYourConversation(DomainError):
    """The operator may not act on a conversation assigned to someone else."""


class UnknownConversation(DomainError):
    """No conversation has that id."""

    def __init__(self, conversation_id: UUID) -> None:
        super().__init__(f"conversation {conversation_id} does not exist")


class UnknownManager(DomainError):
    """No manager has that id."""

    def __init__(self, manager_id: UUID) -> None:
        super().__init__(f"no manager with id {manager_id}")
