"""Managers: register one in a team, set their capacity, hours and absences, and read their load."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict
from uuid import UUID

from application.assigning import Assigning
from application.errors import UnknownManager
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.errors import DomainError
from domain.identities import manager_id, team_id
from domain.manager import Manager
from domain.presence import Absence, WorkingHours
from domain.team import Team


class ManagerLoad(TypedDict):
    """A manager's presence and load, as the console shows them."""

    id: str
    name: str
    work_day: str
    open_leads: int
    capacity: int


def register_manager(store: EventStore, name: str, email: str, capacity: int, team: str) -> UUID:
    """Register a manager and add them to a team (formed on first use)."""

    def command(work: UnitOfWork, _: Assigning) -> UUID:
        manager = Manager.register(name=name, email=email, capacity=capacity)
        if work.get(manager.id) is not None:
            msg = f"a manager with e-mail {email} is already registered"
            raise DomainError(msg)
        squad = work.find(team_id(team), Team)
        if squad is None:
            squad = Team(name=team)
            work.add(squad)
        squad.add_member(manager.id)
        work.add(manager)
        return manager.id

    return store.transact(command)


def change_capacity(store: EventStore, manager_id: UUID, capacity: int) -> None:
    """Set a manager's capacity; 0 takes them out of rotation without disturbing the others."""
    change_manager(store, manager_id, lambda m: m.change_capacity(capacity))


def set_working_hours(store: EventStore, manager_id: UUID, hours: WorkingHours | None) -> None:
    """Set a manager's weekly calendar."""
    change_manager(store, manager_id, lambda m: m.set_working_hours(hours))


def add_absence(store: EventStore, manager_id: UUID, absence: Absence) -> None:
    """Record a manager's days away."""
    change_manager(store, manager_id, lambda m: m.add_absence(absence, store.clock().date()))


def registered_manager(store: EventStore, email: str) -> UUID | None:
    """The id of the manager registered with ``email``, if there is one."""
    found = store.load(manager_id(email))
    return found.id if isinstance(found, Manager) else None


def manager_load(store: EventStore, manager_id: UUID) -> ManagerLoad:
    """A manager's presence and load, as plain data."""
    manager = store.load(manager_id)
    if not isinstance(manager, Manager):
        raise UnknownManager(manager_id)
    return {
        "id": str(manager.id),
        "name": manager.name,
        "work_day": str(manager.work_day),
        "open_leads": len(manager.open_leads),
        "capacity": manager.capacity,
    }


def change_manager(store: EventStore, manager_id: UUID, change: Callable[[Manager], None]) -> None:
    """Apply one change to a manager, or raise UnknownManager."""

    def command(work: UnitOfWork, _: Assigning) -> None:
        manager = work.find(manager_id, Manager)
        if manager is None:
            raise UnknownManager(manager_id)
        change(manager)

    store.transact(command)
