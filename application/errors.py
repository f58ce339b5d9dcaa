"""What a use case refuses, in the users' words; each is a DomainError the interfaces answer with."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import DomainError


class NotYourConversation(DomainError):
    """The operator may not act on a conversation assigned to someone else."""


class NotWritten(DomainError):
    """The conversation is no written one: a phone conversation is answered by calling the customer back."""

    def __init__(self, conversation_id: UUID) -> None:
        super().__init__(f"conversation {conversation_id} is a phone conversation: call the customer back instead")


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


def check_version(kind: str, aggregate: Aggregate, expected_version: int | None) -> None:
    """ConcurrentEdit if the editor read another version of ``aggregate`` than the one it is at (None: any)."""
    if expected_version is not None and expected_version != aggregate.version:
        raise ConcurrentEdit(
            aggregate.version,
            f"{kind} {aggregate.id} was changed meanwhile: you edited version {expected_version}, "
            f"it is now at version {aggregate.version}; reload it and edit again",
        )


class UnknownContact(DomainError):
    """No contact has that id."""

    def __init__(self, contact_id: UUID) -> None:
        super().__init__(f"contact {contact_id} does not exist")


class UnknownCompany(DomainError):
    """No company has that id."""

    def __init__(self, company_id: UUID) -> None:
        super().__init__(f"company {company_id} does not exist")


class UnknownLead(DomainError):
    """No lead has that id."""

    def __init__(self, lead_id: UUID) -> None:
        super().__init__(f"lead {lead_id} does not exist")


class UnknownSuggestion(DomainError):
    """No suggested duplicate has that id."""

    def __init__(self, suggestion_id: UUID) -> None:
        super().__init__(f"suggested duplicate {suggestion_id} does not exist")


class AddressTaken(DomainError):
    """The e-mail, phone or messenger id belongs to another contact: merge the two instead."""

    def __init__(self, field: str, address: str, owner_id: UUID) -> None:
        super().__init__(f"'{field}' {address} belongs to contact {owner_id}: merge the two contacts instead")
        self.field = field
        self.owner_id = owner_id
