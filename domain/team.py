"""A team: the managers that leads are routed among, and the queue of leads waiting for one of them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError
from domain.identities import team_id


class Team(Aggregate):
    """A named group of managers; its member order breaks routing ties.

    Leads wait in the order they arrived (when the channel accepted their first message), ties
    broken by lead id, whatever order the router happened to store them in: messages of different
    customers travel in different partitions and are stored in different batches.
    """

    @staticmethod
    def create_id(name: str) -> UUID:
        """One team per name."""
        return team_id(name)

    @event("Formed")
    def __init__(self, name: str) -> None:
        self.name = name
        self.members: list[UUID] = []
        self.waiting: list[UUID] = []
        self.arrivals: dict[UUID, datetime] = {}
        self.head: UUID | None = None  # a team with a head is a department

    def add_member(self, manager_id: UUID) -> None:
        """Add a manager at the end of the team's order (no-op if already in)."""
        if manager_id not in self.members:
            self._member_added(manager_id=manager_id)

    def appoint_head(self, manager_id: UUID) -> None:
        """Make a member the team's head: the team is then their department (no-op if they are already)."""
        if manager_id not in self.members:
            msg = f"only a member of {self.name} can head it"
            raise DomainError(msg)
        if manager_id != self.head:
            self._head_appointed(manager_id=manager_id)

    def enqueue(self, lead_id: UUID, arrived_at: datetime | None = None) -> int:
        """Put a lead in the queue by its arrival; returns its position, counted from 1."""
        if lead_id not in self.waiting:
            self._lead_queued(lead_id=lead_id, arrived_at=arrived_at)
        return self.position(lead_id)

    def position(self, lead_id: UUID) -> int:
        """Where a waiting lead stands, counted from 1."""
        return self.waiting.index(lead_id) + 1

    def dequeue(self, lead_id: UUID, why: str = "") -> None:
        """Take a lead out of the queue, saying why (assigned, closed); no-op if it is not waiting."""
        if lead_id in self.waiting:
            self._lead_dequeued(lead_id=lead_id, why=why)

    @event("LeadQueued")
    def _lead_queued(self, lead_id: UUID, arrived_at: datetime | None = None) -> None:
        # Events stored before arrival times were recorded carry none: such a lead keeps its place
        # and later arrivals go after it, as they did then.
        at = len(self.waiting)
        if arrived_at is not None:
            self.arrivals[lead_id] = arrived_at
            key = (arrived_at, str(lead_id))
            at = next(
                (
                    n
                    for n, waiting in enumerate(self.waiting)
                    if waiting in self.arrivals and (self.arrivals[waiting], str(waiting)) > key
                ),
                at,
            )
        self.waiting.insert(at, lead_id)

    @event("LeadDequeued")
    def _lead_dequeued(self, lead_id: UUID, why: str = "") -> None:
        self.waiting.remove(lead_id)
        self.arrivals.pop(lead_id, None)

    @event("MemberAdded")
    def _member_added(self, manager_id: UUID) -> None:
        self.members.append(manager_id)

    @event("HeadAppointed")
    def _head_appointed(self, manager_id: UUID) -> None:
        self.head = manager_id
