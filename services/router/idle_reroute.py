"""Re-routing leads whose manager did not answer in time, or whose offer nobody accepted in time.

The deadlines live in the log (``Lead.Assigned.answer_by``, ``Lead.Offered.expires_at``) and so in
the read models: after a restart the overdue leads are found again.
Every router instance may run this; re-routing checks the deadline on the
aggregate itself, so a lead is moved once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from uuid import UUID

import asyncpg
import structlog

from services.projections.schema import LIVE_SCHEMA, create_read_models
from services.router.inbox import Inbox

log = structlog.get_logger()

INTERVAL_SECONDS = 1.0
BATCH = 100


async def reroute_overdue(inbox: Inbox, pool: asyncpg.Pool, stop: asyncio.Event) -> None:
    """Every second, move on the leads whose deadline passed: unanswered ones, and offers nobody accepted."""
    await create_read_models(pool, LIVE_SCHEMA)
    while not stop.is_set():
        await _move_due(
            inbox,
            pool,
            f"SELECT lead_id FROM {LIVE_SCHEMA}.assignments WHERE NOT answered AND answer_by <= $1"  # noqa: S608
            " ORDER BY answer_by LIMIT $2",
            inbox.reroute_if_unanswered,
            "no answer within the idle timeout",
        )
        await _move_due(
            inbox,
            pool,
            f"SELECT lead_id FROM {LIVE_SCHEMA}.conversations WHERE lead_status = 'offered'"  # noqa: S608
            " AND offer_expires_at <= $1 ORDER BY offer_expires_at LIMIT $2",
            inbox.expire_offer,
            "nobody accepted the offer within its timeout",
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), INTERVAL_SECONDS)


async def _move_due(inbox: Inbox, pool: asyncpg.Pool, due: str, move: Callable[[UUID], bool], why: str) -> None:
    """Apply ``move`` to each lead the ``due`` query finds; the aggregate checks the deadline again."""
    for row in await pool.fetch(due, inbox.clock(), BATCH):
        lead = UUID(str(row["lead_id"]))
        if await asyncio.to_thread(move, lead):
            log.info("lead_rerouted", lead_id=str(lead), why=why)
