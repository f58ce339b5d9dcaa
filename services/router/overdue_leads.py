"""The router's deadline watch: every second, move on the leads whose deadline passed.

Unanswered leads go to the next eligible manager; offers nobody accepted are assigned evenly.
The deadlines are the router's own, saved with the events that set them, so after a restart the
overdue leads are found again. Every router instance may run this: each use case checks the
deadline on the lead itself, so a lead is moved once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from uuid import UUID

import structlog

from application.event_store import EventStore
from application.overdue_leads import expire_offer, overdue, reroute_unanswered
from domain.timers import TimerKind
from services.one_by_one import RECORD_ERRORS
from services.router.timer_watch import watch

log = structlog.get_logger()

BATCH = 100

_MOVES: tuple[tuple[TimerKind, Callable[[EventStore, UUID], bool], str], ...] = (
    (TimerKind.ANSWER, reroute_unanswered, "no answer within the idle timeout"),
    (TimerKind.OFFER, expire_offer, "nobody accepted the offer within its timeout"),
)


async def move_overdue_leads(store: EventStore, stop: asyncio.Event) -> None:
    """Until ``stop`` is set, move on every lead whose deadline passed."""

    async def one_pass() -> None:
        for kind, move, why in _MOVES:
            for lead in await asyncio.to_thread(overdue, store, kind, BATCH):
                try:
                    moved = await asyncio.to_thread(move, store, lead)
                except RECORD_ERRORS:
                    # One lead that cannot be moved must not hold back the others.
                    log.exception("lead_reroute_failed", lead_id=str(lead))
                    continue
                if moved:
                    log.info("lead_rerouted", lead_id=str(lead), why=why)

    await watch("overdue_leads", one_pass, stop)
