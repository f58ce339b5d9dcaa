"""Whether anyone can chat with a widget's visitor now: work day, console, hours, capacity, and the rules' teams."""

from __future__ import annotations

from datetime import UTC, datetime, time

from application.event_store import EventStore
from application.managers import change_capacity, register_manager, set_working_hours
from application.widget_availability import anyone_available
from application.work_day import WorkDayAction, change_work_day, come_online, go_offline
from domain.presence import Shift, WorkingHours

MONDAY_NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def store() -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales", clock=lambda: MONDAY_NOON)


def test_nobody_at_work_is_nobody_available() -> None:
    events = store()
    assert anyone_available(events) is False
    anna = register_manager(events, "Anna", "anna@example.com", 5, "sales")
    come_online(events, anna)
    assert anyone_available(events) is False  # the console is open, the work day is not started


def test_a_manager_at_work_with_an_open_console_within_hours_is_available() -> None:
    events = store()
    anna = register_manager(events, "Anna", "anna@example.com", 5, "sales")
    change_work_day(events, anna, WorkDayAction.START)
    assert anyone_available(events) is False  # at work, but no console open: nobody reads the chat
    come_online(events, anna)
    set_working_hours(events, anna, WorkingHours("Europe/Berlin", (Shift(0, time(9), time(18)),)))
    assert anyone_available(events) is True

    change_work_day(events, anna, WorkDayAction.PAUSE)
    assert anyone_available(events) is False
    change_work_day(events, anna, WorkDayAction.RESUME)
    assert anyone_available(events) is True


def test_outside_hours_at_capacity_offline_or_in_another_team_is_not_available() -> None:
    events = store()
    anna = register_manager(events, "Anna", "anna@example.com", 5, "sales")
    change_work_day(events, anna, WorkDayAction.START)
    come_online(events, anna)
    set_working_hours(events, anna, WorkingHours("Europe/Berlin", (Shift(0, time(14), time(18)),)))
    assert anyone_available(events) is False  # 13:00 in Berlin
    set_working_hours(events, anna, None)
    change_capacity(events, anna, 0)
    assert anyone_available(events) is False
    change_capacity(events, anna, 5)
    go_offline(events, anna)
    assert anyone_available(events) is False

    boris = register_manager(events, "Boris", "boris@example.com", 5, "warehouse")  # no rule routes there
    change_work_day(events, boris, WorkDayAction.START)
    come_online(events, boris)
    assert anyone_available(events) is False
