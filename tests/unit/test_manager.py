"""Manager: work-day transitions, their refusals, and lead capacity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import pytest

from domain.errors import DomainError, WorkDayError
from domain.manager import MAX_ABSENCES, MAX_CAPACITY, CapacityReached, Manager, WorkDay
from domain.presence import MAX_SHIFTS, Absence, InvalidSchedule, Shift, WorkingHours, zone

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

Command = Callable[[Manager], None]

START: Command = Manager.start_work_day
PAUSE: Command = Manager.pause_work_day
RESUME: Command = Manager.resume_work_day
END: Command = Manager.end_work_day

# The commands that bring a freshly registered manager to each work-day state.
PATH_TO = {
    WorkDay.NOT_STARTED: [],
    WorkDay.STARTED: [START],
    WorkDay.PAUSED: [START, PAUSE],
    WorkDay.ENDED: [START, END],
}


def manager_in(state: WorkDay, capacity: int = 3) -> Manager:
    manager = Manager.register("Ann", "ann@example.com", capacity)
    for command in PATH_TO[state]:
        command(manager)
    assert manager.work_day is state
    manager.collect_events()
    return manager


def event_names(manager: Manager) -> list[str]:
    return [type(e).__name__ for e in manager.collect_events()]


def test_a_registered_manager_has_not_started_and_holds_nothing() -> None:
    manager = Manager.register("Ann", "ann@example.com", 3)
    assert manager.work_day is WorkDay.NOT_STARTED
    assert not manager.is_present
    assert manager.open_leads == []
    assert manager.last_assigned_at is None
    assert (manager.name, manager.email, manager.capacity) == ("Ann", "ann@example.com", 3)
    assert event_names(manager) == ["Registered"]


@pytest.mark.parametrize("capacity", [-1, MAX_CAPACITY + 1, 2**63])
def test_capacity_out_of_bounds_is_refused(capacity: int) -> None:
    with pytest.raises(DomainError, match=f"capacity must be from 0 to {MAX_CAPACITY}, not {capacity}"):
        Manager.register("Ann", "ann@example.com", capacity)
    with pytest.raises(DomainError, match=f"not {capacity}"):
        manager_in(WorkDay.STARTED).change_capacity(capacity)


def test_zero_capacity_may_be_registered() -> None:
    assert Manager.register("Ann", "ann@example.com", 0).capacity == 0


@pytest.mark.parametrize(
    ("state", "command", "expected", "event"),
    [
        (WorkDay.NOT_STARTED, START, WorkDay.STARTED, "WorkDayStarted"),
        (WorkDay.STARTED, PAUSE, WorkDay.PAUSED, "WorkDayPaused"),
        (WorkDay.STARTED, END, WorkDay.ENDED, "WorkDayEnded"),
        (WorkDay.PAUSED, RESUME, WorkDay.STARTED, "WorkDayResumed"),
        (WorkDay.PAUSED, END, WorkDay.ENDED, "WorkDayEnded"),
        (WorkDay.ENDED, START, WorkDay.STARTED, "WorkDayStarted"),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_allowed_transitions(state: WorkDay, command: Command, expected: WorkDay, event: str) -> None:
    manager = manager_in(state)
    command(manager)
    assert manager.work_day is expected
    assert event_names(manager) == [event]


@pytest.mark.parametrize(
    ("state", "command", "message"),
    [
        (WorkDay.NOT_STARTED, PAUSE, "only a started work day can be paused"),
        (WorkDay.NOT_STARTED, RESUME, "only a paused work day can be resumed"),
        (WorkDay.NOT_STARTED, END, "has not started"),
        (WorkDay.STARTED, START, "already started"),
        (WorkDay.STARTED, RESUME, "only a paused work day can be resumed"),
        (WorkDay.PAUSED, START, "already paused"),
        (WorkDay.PAUSED, PAUSE, "only a started work day can be paused"),
        (WorkDay.ENDED, PAUSE, "only a started work day can be paused"),
        (WorkDay.ENDED, RESUME, "only a paused work day can be resumed"),
        (WorkDay.ENDED, END, "work day"),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_refused_transitions_change_nothing(state: WorkDay, command: Command, message: str) -> None:
    manager = manager_in(state)
    version = manager.version
    with pytest.raises(WorkDayError, match=message):
        command(manager)
    assert manager.work_day is state
    assert manager.version == version
    assert event_names(manager) == []


def test_refusal_names_the_manager() -> None:
    manager = manager_in(WorkDay.STARTED)
    with pytest.raises(WorkDayError, match=r"^Ann's work day is already started$"):
        manager.start_work_day()


@pytest.mark.parametrize(
    ("state", "present"),
    [(WorkDay.NOT_STARTED, False), (WorkDay.STARTED, True), (WorkDay.PAUSED, False), (WorkDay.ENDED, False)],
)
def test_only_a_started_day_is_present(state: WorkDay, present: bool) -> None:
    assert manager_in(state).is_present is present


def test_taking_a_lead_records_it_and_when() -> None:
    manager = manager_in(WorkDay.STARTED)
    lead = uuid4()
    manager.take_lead(lead, T0)
    assert manager.open_leads == [lead]
    assert manager.last_assigned_at == T0
    assert event_names(manager) == ["LeadTaken"]


def test_leads_are_taken_up_to_capacity_then_refused() -> None:
    manager = manager_in(WorkDay.STARTED, capacity=2)
    first, second, third = uuid4(), uuid4(), uuid4()
    manager.take_lead(first, T0)
    manager.take_lead(second, T0 + timedelta(minutes=1))
    with pytest.raises(CapacityReached, match="Ann already has 2 of 2 open leads"):
        manager.take_lead(third, T0 + timedelta(minutes=2))
    assert manager.open_leads == [first, second]
    assert manager.last_assigned_at == T0 + timedelta(minutes=1)
    assert event_names(manager) == ["LeadTaken", "LeadTaken"]


def test_capacity_reached_is_a_domain_error() -> None:
    assert issubclass(CapacityReached, DomainError)
    assert issubclass(WorkDayError, DomainError)


def test_zero_capacity_takes_no_lead() -> None:
    manager = manager_in(WorkDay.STARTED, capacity=0)
    with pytest.raises(CapacityReached, match="0 of 0"):
        manager.take_lead(uuid4(), T0)
    assert manager.open_leads == []
    assert manager.last_assigned_at is None


def test_taking_the_same_lead_twice_is_a_no_op() -> None:
    manager = manager_in(WorkDay.STARTED, capacity=3)
    lead = uuid4()
    manager.take_lead(lead, T0)
    manager.take_lead(lead, T0 + timedelta(hours=1))
    assert manager.open_leads == [lead]
    assert manager.last_assigned_at == T0
    assert event_names(manager) == ["LeadTaken"]


def test_retaking_a_held_lead_at_capacity_is_not_refused() -> None:
    manager = manager_in(WorkDay.STARTED, capacity=1)
    lead = uuid4()
    manager.take_lead(lead, T0)
    manager.take_lead(lead, T0)  # a redelivered assignment, not a new lead
    assert manager.open_leads == [lead]


def test_ending_the_day_keeps_open_leads() -> None:
    manager = manager_in(WorkDay.STARTED)
    lead = uuid4()
    manager.take_lead(lead, T0)
    manager.end_work_day()
    assert manager.open_leads == [lead]


def test_replaying_the_events_rebuilds_the_same_state() -> None:
    manager = Manager.register("Ann", "ann@example.com", 2)
    manager.start_work_day()
    manager.take_lead(uuid4(), T0)
    manager.pause_work_day()
    events = manager.collect_events()

    replayed: Manager | None = None
    for event in events:
        replayed = event.mutate(replayed)

    assert isinstance(replayed, Manager)
    assert replayed.id == manager.id
    assert replayed.version == manager.version
    assert replayed.work_day is WorkDay.PAUSED
    assert replayed.open_leads == manager.open_leads
    assert replayed.last_assigned_at == T0


# Calendars are bounded: a week of shifts, a record of absences, and zone names that are zones.


@pytest.mark.parametrize("name", ["Europe", "Etc", "zone.tab", "tzdata.zi", "Europe/__init__.py", "", "../etc/passwd"])
def test_a_name_that_is_no_time_zone_is_refused_as_a_schedule_error(name: str) -> None:
    with pytest.raises(InvalidSchedule, match="unknown time zone"):
        zone(name)


def test_a_week_holds_a_bounded_number_of_shifts() -> None:
    manager = Manager.register("Anna", "anna@example.com", 5)
    shift = Shift(0, time(9), time(10))
    manager.set_working_hours(WorkingHours("UTC", (shift,) * MAX_SHIFTS))
    with pytest.raises(InvalidSchedule, match=f"at most {MAX_SHIFTS} shifts"):
        manager.set_working_hours(WorkingHours("UTC", (shift,) * (MAX_SHIFTS + 1)))
    assert manager.working_hours is not None
    assert len(manager.working_hours.shifts) == MAX_SHIFTS


TODAY = date(2030, 1, 1)


def test_absences_not_over_are_bounded_and_the_same_one_twice_is_recorded_once() -> None:
    manager = Manager.register("Anna", "anna@example.com", 5)
    first = Absence(date(2030, 1, 1), date(2030, 1, 2), "holiday")
    manager.add_absence(first, TODAY)
    manager.add_absence(first, TODAY)
    assert manager.absences == [first]
    for n in range(1, MAX_ABSENCES):
        day = TODAY + timedelta(days=n)
        manager.add_absence(Absence(day, day), TODAY)
    assert len(manager.absences) == MAX_ABSENCES
    with pytest.raises(DomainError, match=f"at most {MAX_ABSENCES} absences not over yet"):
        manager.add_absence(Absence(date(2040, 1, 1), date(2040, 1, 1)), TODAY)
    manager.add_absence(first, TODAY)  # already there: no change, no refusal
    # A year later they are over: days away can be recorded again.
    manager.add_absence(Absence(date(2040, 1, 1), date(2040, 1, 1)), date(2031, 1, 1))
    assert len(manager.absences) == MAX_ABSENCES + 1
