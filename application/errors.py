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


class ConcurrentEdit(DomainError):
    """Someone changed the record since the version the editor saw; nothing was changed."""

    def __init__(self, current_version: int, message: str = "") -> None:
        super().__init__(message or f"the record changed meanwhile: it is at version {current_version}")
        self.current_version = current_version


class UnknownDeal(DomainError):
    """No deal has that id."""

    def __init__(self, deal_id: UUID) -> None:
        super().__init__(f"no deal with id {deal_id}")


class UnknownPipeline(DomainError):
    """No pipeline has that id."""

    def __init__(self, pipeline_id: UUID) -> None:
        super().__init__(f"no pipeline with id {pipeline_id}")


class UnknownProduct(DomainError):
    """No product of the catalogue has that id."""

    def __init__(self, product_id: UUID) -> None:
        super().__init__(f"no product with id {product_id}")


class UnknownActivity(DomainError):
    """No activity has that id."""

    def __init__(self, activity_id: UUID) -> None:
        super().__init__(f"no activity with id {activity_id}")
