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

    def add_member(self, manager_id: UUID) -> None:
        """Add a manager at the end of the team's order (no-op if already in)."""
        if manager_id not in self.members:
            self._member_added(manager_id=manager_id)

    @event("MemberAdded")
    def _member_added(self, manager_id: UUID) -> None:
        self.members.append(manager_id)
