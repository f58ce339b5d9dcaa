"""The router's reminder watch: every second, fire the activity reminders whose time has come.

The reminders are the router's own deadlines, saved with the events that set them, so after a
restart the due ones are found again. Every router instance may run this: the use case checks the
time on the activity itself, and two routers firing the same reminder record it once.
"""

from __future__ import annotations

import asyncio

import structlog

from application.event_store import EventStore
from application.fire_reminder import due_reminders, fire_reminder
from services.one_by_one import RECORD_ERRORS
from services.router.timer_watch import watch

log = structlog.get_logger()

BATCH = 100


async def fire_due_reminders(store: EventStore, stop: asyncio.Event) -> None:
    """Until ``stop`` is set, fire every reminder that is due."""

    async def one_pass() -> None:
        for activity in await asyncio.to_thread(due_reminders, store, BATCH):
            try:
                fired = await asyncio.to_thread(fire_reminder, store, activity)
            except RECORD_ERRORS:
                # One activity that cannot be loaded must not hold back the others' reminders.
                log.exception("reminder_failed", activity_id=str(activity))
                continue
            if fired:
                log.info("reminder_fired", activity_id=str(activity))

    await watch("reminders", one_pass, stop)
