"""An activity's reminder fires at its time though the router was killed before it: once, after the restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from application.event_store import EventStore
from application.managers import register_manager
from application.open_deal import DealOpening, open_deal
from application.schedule_activity import NewActivity, schedule_activity
from bench.waiting import until
from domain.timers import TimerKind
from services.bootstrap import build_event_store
from services.settings import Settings
from tests.log_invariants import log_events
from tests.services_running import services

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(180)]

LEAD_TIME = timedelta(seconds=3)  # long enough to kill the router first on a busy machine


def fired(store: EventStore, activity: UUID) -> list[dict[str, object]]:
    return [d for k, a, d in log_events(store) if k == "Activity.ReminderFired" and a == activity]


def test_a_reminder_due_while_the_router_is_down_fires_once_after_it_restarts(
    settings: Settings, tmp_path: Path
) -> None:
    store = build_event_store(settings)
    try:
        with services(settings, tmp_path / "logs", names=("router",)) as running:
            asyncio.run(restart_before_the_reminder(store, running))
    finally:
        store.close()


async def restart_before_the_reminder(store: EventStore, running: object) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    deal = open_deal(store, DealOpening("Fleet renewal", "EUR"), anna).deal_id

    def remind(title: str, at_offset: timedelta) -> UUID:
        activity = NewActivity("task", "deal", deal, title, remind_at=store.clock() + at_offset, call_back=True)
        return schedule_activity(store, activity, anna)

    async def fired_once(activity: UUID) -> bool:
        return len(await asyncio.to_thread(fired, store, activity)) == 1

    # The router is up and firing: a reminder due now fires.
    warm_up = remind("Warm-up", timedelta(0))
    await until(lambda: fired_once(warm_up), 60, "the router to fire a reminder due now", interval=0.1)

    call_back = remind("Call Olga back", LEAD_TIME)
    due_at = store.clock() + LEAD_TIME
    running.kill("router")  # type: ignore[attr-defined]
    assert store.clock() < due_at, "the router was killed only after the reminder was due; the test proves nothing"
    assert fired(store, call_back) == []

    running.start("router")  # type: ignore[attr-defined]
    await until(lambda: fired_once(call_back), 60, "the reminder after the restart", interval=0.1)
    # A reminder scheduled after it fires too: the router has gone round again, and still fired the first once.
    barrier = remind("After", timedelta(0))
    await until(lambda: fired_once(barrier), 60, "a later reminder", interval=0.1)
    event = fired(store, call_back)
    assert len(event) == 1
    assert (event[0]["responsible_id"], event[0]["subject_kind"], event[0]["subject_id"]) == (anna, "deal", deal)
    assert event[0]["at"] >= event[0]["remind_at"]  # type: ignore[operator]
    assert call_back not in store.deadlines.due(TimerKind.REMINDER, store.clock() + timedelta(days=1), 100)
