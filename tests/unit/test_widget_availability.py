"""Whether anyone can chat with a widget's visitor now: work day, console, hours, capacity, and the rules' teams."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time

from starlette.requests import Request

from application.event_store import EventStore
from application.managers import change_capacity, register_manager, set_working_hours
from application.widget_availability import anyone_available
from application.work_day import WorkDayAction, change_work_day, come_online, go_offline
from domain.presence import Shift, WorkingHours
from services.console.widget_availability import WidgetAvailability

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


def test_the_gateway_computes_the_answer_once_per_period_however_many_ask() -> None:
    asked: list[int] = []
    now = [0.0]

    def compute() -> bool:
        asked.append(1)
        return len(asked) > 1

    cached = WidgetAvailability(compute, 5.0, clock=lambda: now[0])
    asyncio.run(asking(cached, now, asked))


async def asking(cached: WidgetAvailability, now: list[float], asked: list[int]) -> None:
    async def ask_many() -> list[bool]:
        return list(await asyncio.gather(*(cached.available() for _ in range(50))))

    assert await ask_many() == [False] * 50
    now[0] = 4.9
    assert await ask_many() == [False] * 50
    assert len(asked) == 1
    now[0] = 5.0
    assert await ask_many() == [True] * 50
    assert len(asked) == 2

    response = await cached.route(Request({"type": "http", "method": "GET", "headers": []}))
    assert json.loads(bytes(response.body)) == {"available": True}  # nothing more: no names, no counts
    assert response.headers["cache-control"] == "public, max-age=5"


def test_a_failing_store_leaves_the_chat_offered_and_is_not_asked_per_visitor() -> None:
    asked: list[int] = []

    def compute() -> bool:
        asked.append(1)
        raise OSError("database away")

    cached = WidgetAvailability(compute, 5.0, clock=lambda: 0.0)

    async def twice() -> list[bool]:
        return [await cached.available(), await cached.available()]

    assert asyncio.run(twice()) == [True, True]
    assert len(asked) == 1
