"""A manager: the person leads are routed to, with their work day and load."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, WorkDayError
from domain.identities import manager_id
from domain.presence import MAX_SHIFTS, Absence, InvalidSchedule, WorkingHours

# More open leads than anyone could hold: a bound that keeps every count within the read models' integers.
MAX_CAPACITY = 100_000_000
MAX_ABSENCES = 100  # absences not over yet; a long leave is one absence, however many days it spans


class WorkDay(enum.StrEnum):
    """Where a manager is in their work day."""

    NOT_STARTED = "not_started"
    STARTED = "started"
    PAUSED = "paused"
    ENDED = "ended"


class CapacityReached(DomainError):
    """The manager already has as many open leads as their capacity allows."""


class Manager(Aggregate):
    """A manager who receives leads while their work day is started."""

    @staticmethod
    def create_id(name: str, email: str, capacity: int) -> UUID:  # noqa: ARG004 - same signature as __init__
        """One manager per e-mail address."""
        return manager_id(email)

    @event("Registered")
    def __init__(self, name: str, email: str, capacity: int) -> None:
        self.name = name
        self.email = email
        self.capacity = capacity
        self.work_day = WorkDay.NOT_STARTED
        self.open_leads: list[UUID] = []
        self.last_assigned_at: datetime | None = None
        self.working_hours: WorkingHours | None = None
        self.absences: list[Absence] = []
        self.online = False
        self.heads: list[str] = []  # the teams this manager heads: their departments

    @classmethod
    def register(cls, name: str, email: str, capacity: int) -> Manager:
        """Register a manager; capacity is the most open leads they may hold."""
        if not 0 <= capacity <= MAX_CAPACITY:
            msg = f"capacity must be from 0 to {MAX_CAPACITY}, not {capacity}"
            raise DomainError(msg)
        return cls(name=name, email=email, capacity=capacity)

    @property
    def is_present(self) -> bool:
        """True while the work day is started and not paused."""
        return self.work_day is WorkDay.STARTED

    def head_department(self, team: str) -> None:
        """Record that this manager heads ``team`` (no-op if already)."""
        if team not in self.heads:
            self._department_headed(team=team)

    def start_work_day(self) -> None:
        """Start the work day; a paused day is resumed with ``resume_work_day``."""
        if self.work_day in (WorkDay.STARTED, WorkDay.PAUSED):
            msg = f"{self.name}'s work day is already {self.work_day}"
            raise WorkDayError(msg)
        self._work_day_started()

    def pause_work_day(self) -> None:
        """Pause a started work day: no new leads until it is resumed."""
        if self.work_day is not WorkDay.STARTED:
            msg = f"only a started work day can be paused; {self.name}'s is {self.work_day}"
            raise WorkDayError(msg)
        self._work_day_paused()

    def resume_work_day(self) -> None:
        """Resume a paused work day."""
        if self.work_day is not WorkDay.PAUSED:
            msg = f"only a paused work day can be resumed; {self.name}'s is {self.work_day}"
            raise WorkDayError(msg)
        self._work_day_resumed()

    def end_work_day(self) -> None:
        """End the work day; open leads stay with the manager."""
        if self.work_day is WorkDay.NOT_STARTED:
            msg = f"{self.name}'s work day has not started"
            raise WorkDayError(msg)
        if self.work_day is WorkDay.ENDED:
            msg = f"{self.name}'s work day has already ended"
            raise WorkDayError(msg)
        self._work_day_ended()

    def take_lead(self, lead_id: UUID, at: datetime) -> None:
        """Take a lead; refused once the manager is at capacity."""
        if lead_id in self.open_leads:
            return
        if len(self.open_leads) >= self.capacity:
            msg = f"{self.name} already has {len(self.open_leads)} of {self.capacity} open leads"
            raise CapacityReached(msg)
        self._lead_taken(lead_id=lead_id, at=at)

    def release_lead(self, lead_id: UUID) -> None:
        """Free the capacity a lead held (closed, transferred or re-routed); no-op if not held."""
        if lead_id in self.open_leads:
            self._lead_released(lead_id=lead_id)

    def change_capacity(self, capacity: int) -> None:
        """Set the most open leads the manager may hold; 0 takes them out of rotation."""
        if not 0 <= capacity <= MAX_CAPACITY:
            msg = f"capacity must be from 0 to {MAX_CAPACITY}, not {capacity}"
            raise DomainError(msg)
        if capacity != self.capacity:
            self._capacity_changed(capacity=capacity)

    def set_working_hours(self, hours: WorkingHours | None) -> None:
        """Set the weekly calendar (None: the work day alone says when they work)."""
        if hours is not None and len(hours.shifts) > MAX_SHIFTS:
            msg = f"'shifts' may hold at most {MAX_SHIFTS} shifts"
            raise InvalidSchedule(msg)
        self._working_hours_set(hours=hours.to_plain() if hours else None)

    def add_absence(self, absence: Absence, today: date) -> None:
        """Record days away; no leads are routed to the manager on them. The same absence twice is recorded once."""
        if absence in self.absences:
            return
        if sum(1 for a in self.absences if a.last_day >= today) >= MAX_ABSENCES:
            msg = f"a manager may have at most {MAX_ABSENCES} absences not over yet"
            raise DomainError(msg)
        self._absence_added(absence=absence.to_plain())

    def come_online(self) -> None:
        """The manager opened the console."""
        if not self.online:
            self._came_online()

    def go_offline(self) -> None:
        """The manager's last console closed."""
        if self.online:
            self._went_offline()

    @event("WorkDayStarted")
    def _work_day_started(self) -> None:
        self.work_day = WorkDay.STARTED

    @event("WorkDayPaused")
    def _work_day_paused(self) -> None:
        self.work_day = WorkDay.PAUSED

    @event("WorkDayResumed")
    def _work_day_resumed(self) -> None:
        self.work_day = WorkDay.STARTED

    @event("WorkDayEnded")
    def _work_day_ended(self) -> None:
        self.work_day = WorkDay.ENDED

    @event("LeadTaken")
    def _lead_taken(self, lead_id: UUID, at: datetime) -> None:
        self.open_leads.append(lead_id)
        self.last_assigned_at = at

    @event("LeadReleased")
    def _lead_released(self, lead_id: UUID) -> None:
        self.open_leads.remove(lead_id)

    @event("CapacityChanged")
    def _capacity_changed(self, capacity: int) -> None:
        self.capacity = capacity

    @event("WorkingHoursSet")
    def _working_hours_set(self, hours: dict[str, Any] | None) -> None:
        self.working_hours = WorkingHours.from_plain(hours) if hours else None

    @event("AbsenceAdded")
    def _absence_added(self, absence: dict[str, str]) -> None:
        self.absences.append(Absence.from_plain(absence))

    @event("CameOnline")
    def _came_online(self) -> None:
        self.online = True

    @event("WentOffline")
    def _went_offline(self) -> None:
        self.online = False

    @event("DepartmentHeaded")
    def _department_headed(self, team: str) -> None:
        self.heads.append(team)
