"""A lead: a customer's request that a manager must take on."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError
from domain.identities import lead_id


class LeadAlreadyAssigned(DomainError):
    """The lead has a manager; it cannot be given to a second one."""


class Lead(Aggregate):
    """A lead opened by a conversation, waiting for or held by one manager."""

    @staticmethod
    def create_id(conversation_id: UUID, contact_id: UUID, channel: str, source: str) -> UUID:  # noqa: ARG004
        """One lead per conversation."""
        return lead_id(conversation_id)

    @event("Created")
    def __init__(self, conversation_id: UUID, contact_id: UUID, channel: str, source: str) -> None:
        self.conversation_id = conversation_id
        self.contact_id = contact_id
        self.channel = channel
        self.source = source
        self.manager_id: UUID | None = None
        self.queued = False

    def assign(self, manager_id: UUID, reasons: dict[str, Any]) -> None:
        """Give the lead to a manager, recording why."""
        if self.manager_id is not None:
            msg = f"lead {self.id} is already assigned to manager {self.manager_id}"
            raise LeadAlreadyAssigned(msg)
        self._assigned(manager_id=manager_id, conversation_id=self.conversation_id, reasons=reasons)

    def queue(self, reasons: dict[str, Any]) -> None:
        """Put the lead in the queue because nobody can take it now."""
        if self.manager_id is None and not self.queued:
            self._queued(conversation_id=self.conversation_id, reasons=reasons)

    @event("Assigned")
    def _assigned(self, manager_id: UUID, conversation_id: UUID, reasons: dict[str, Any]) -> None:
        self.manager_id = manager_id
        self.queued = False

    @event("Queued")
    def _queued(self, conversation_id: UUID, reasons: dict[str, Any]) -> None:
        self.queued = True
