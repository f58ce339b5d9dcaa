"""Departments: a team with a head. The head sees and works the records of the team's members."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.errors import UnknownManager
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.errors import DomainError
from domain.identities import team_id
from domain.manager import Manager
from domain.permissions import Actor, Role
from domain.team import Team


def appoint_head(store: EventStore, team: str, manager_id: UUID) -> None:
    """Make a member of ``team`` its head; the team becomes their department."""

    def command(work: UnitOfWork, _: Assigning) -> None:
        squad = work.find(team_id(team), Team)
        if squad is None:
            msg = f"no team named {team!r}"
            raise DomainError(msg)
        manager = work.find(manager_id, Manager)
        if manager is None:
            raise UnknownManager(manager_id)
        squad.appoint_head(manager_id)
        manager.head_department(team)

    store.transact(command)


def department_members(store: EventStore, manager_id: UUID) -> frozenset[UUID]:
    """Everyone in the departments ``manager_id`` heads (themselves included when they head one)."""
    return _departments(store, manager_id)[1]


def _departments(store: EventStore, manager_id: UUID) -> tuple[frozenset[str], frozenset[UUID]]:
    """The teams ``manager_id`` heads, and everyone in them."""
    manager = store.load(manager_id)
    if not isinstance(manager, Manager):
        return frozenset(), frozenset()
    names: set[str] = set()
    members: set[UUID] = set()
    for name in manager.heads:
        squad = store.load(team_id(name))
        if isinstance(squad, Team) and squad.head == manager_id:
            names.add(name)
            members.update(squad.members)
    return frozenset(names), frozenset(members)


def actor(store: EventStore, manager_id: UUID, role: Role) -> Actor:
    """A user as the permission rule sees them; only a head's departments and teams count."""
    if role is not Role.HEAD:
        return Actor(manager_id, role)
    names, members = _departments(store, manager_id)
    return Actor(manager_id, role, members, names | frozenset(teams_of(store, manager_id)))


def teams_of(store: EventStore, manager_id: UUID) -> list[str]:
    """The teams ``manager_id`` works in, among those routing knows (reading only)."""
    work = UnitOfWork(store.load, {})  # never saved
    return Assigning(work, store.team, store.clock).teams_of(manager_id)
