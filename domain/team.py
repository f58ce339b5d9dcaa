"""A team: the queue of managers that leads are routed among, in order."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.identities import team_id


class Team(Aggregate):
    """A named group of managers; its member order breaks routing ties."""

    @staticmethod
    def create_id(name: str) -> UUID:
        """One team per name."""
        return team_id(name)

    @event("Formed")
    def __init__(self, name: str) -> None:
        self.name = name
        self.members: list[UUID] = []
        self.waiting: list[UUID] = []

    def add_member(self, manager_id: UUID) -> None:
        """Add a manager at the end of the team's order (no-op if already in)."""
        if manager_id not in self.members:
            self._member_added(manager_id=manager_id)

    def enqueue(self, lead_id: UUID) -> int:
        """Put a lead at the end of the queue; returns its position, counted from 1."""
        if lead_id not in self.waiting:
            self._lead_queued(lead_id=lead_id)
        return self.waiting.index(lead_id) + 1

    def dequeue(self, lead_id: UUID) -> None:
        """Take a lead out of the queue (assigned or closed); no-op if it is not waiting."""
        if lead_id in self.waiting:
            self._lead_dequeued(lead_id=lead_id)

    @event("LeadQueued")
    def _lead_queued(self, lead_id: UUID) -> None:
        self.waiting.append(lead_id)

    @event("LeadDequeued")
    def _lead_dequeued(self, lead_id: UUID) -> None:
        self.waiting.remove(lead_id)

    @event("MemberAdded")
    def _member_added(self, manager_id: UUID) -> None:
        self.members.append(manager_id)
