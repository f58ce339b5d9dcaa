"""The router's deadline watch: every second, move on the leads whose deadline passed.

Unanswered leads go to the next eligible manager; offers nobody accepted are assigned evenly.
The deadlines are the router's own, saved with the events that set them, so after a restart the
overdue leads are found again. Every router instance may run this: each use case checks the
deadline on the lead itself, so a lead is moved once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from uuid import UUID

import structlog

from application.event_store import EventStore
from application.overdue_leads import expire_offer, overdue, reroute_unanswered
from domain.timers import TimerKind

log = structlog.get_logger()

INTERVAL_SECONDS = 1.0
BATCH = 100

_MOVES: tuple[tuple[TimerKind, Callable[[EventStore, UUID], bool], str], ...] = (
    (TimerKind.ANSWER, reroute_unanswered, "no answer within the idle timeout"),
    (TimerKind.OFFER, expire_offer, "nobody accepted the offer within its timeout"),
)


async def move_overdue_leads(store: EventStore, stop: asyncio.Event) -> None:
    """Until ``stop`` is set, move on every lead whose deadline passed."""
    while not stop.is_set():
        for kind, move, why in _MOVES:
            for lead in await asyncio.to_thread(overdue, store, kind, BATCH):
                if await asyncio.to_thread(move, store, lead):
                    log.info("lead_rerouted", lead_id=str(lead), why=why)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), INTERVAL_SECONDS)
