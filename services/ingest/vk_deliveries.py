"""The VK replies waiting to be sent, being sent, and sent or failed: one row per reply, in PostgreSQL.

A reply is queued once, however often it is read from Kafka. A sender claims a due row with a
token of its own and marks it ``sending`` just before the call to VK. A sender that stops leaves
its row claimed or sending; once its lease has passed, another takes it over and sends it again:
the reply's ``random_id`` makes VK refuse to show it twice. That holds while VK remembers the id,
so a reply left ``sending`` longer than ``RESEND_WITHIN`` is not sent again but failed as uncertain.
"""

from __future__ import annotations

from uuid import UUID, uuid4

import asyncpg
import structlog

from domain.conversation import DeliveryOutcome
from services.tables import ensure_tables

log = structlog.get_logger()

TABLES = """
CREATE TABLE IF NOT EXISTS vk_deliveries (
    reply_id uuid PRIMARY KEY,
    conversation_id uuid NOT NULL,
    community text NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'queued',
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_at timestamptz,
    claim uuid,
    outcome text,
    detail text,
    outcome_recorded boolean NOT NULL DEFAULT false,
    queued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS vk_deliveries_due ON vk_deliveries (next_attempt_at) WHERE status = 'queued';
"""
INSERT = (
    "INSERT INTO vk_deliveries (reply_id, conversation_id, community, payload)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT (reply_id) DO NOTHING"
)
RESEND_WITHIN = 3600.0  # seconds a sending interrupted may be sent again, well within what VK remembers
UNCERTAIN_DETAIL = "the sender stopped while handing the reply to VK too long ago to send it again safely"


class VkDeliveries:
    """The table of VK replies and their progress."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create(self) -> None:
        """Create the table if it is missing."""
        await ensure_tables(self._pool, TABLES)

    async def claim(self) -> asyncpg.Record | None:
        """The next due reply, claimed under a fresh token; None when nothing is due."""
        return await self._pool.fetchrow(
            "UPDATE vk_deliveries SET status = 'claimed', claimed_at = now(), attempts = attempts + 1,"
            " claim = $1 WHERE reply_id = (SELECT reply_id FROM vk_deliveries WHERE status = 'queued'"
            " AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
            " RETURNING reply_id, conversation_id, community, payload, attempts, claim",
            uuid4(),
        )

    async def sending(self, reply_id: UUID, claim: UUID) -> bool:
        """Mark the reply as being handed to VK; False if another sender took it over meanwhile."""
        ours = await self._pool.fetchval(
            "UPDATE vk_deliveries SET status = 'sending' WHERE reply_id = $1 AND claim = $2"
            " AND status = 'claimed' RETURNING true",
            reply_id,
            claim,
        )
        return bool(ours)

    async def retry_later(self, reply_id: UUID, claim: UUID, detail: str, wait: float) -> None:
        """Queue the reply again in ``wait`` seconds."""
        await self._pool.execute(
            "UPDATE vk_deliveries SET status = 'queued', claimed_at = NULL, claim = NULL, detail = $2,"
            " next_attempt_at = now() + make_interval(secs => $3) WHERE reply_id = $1 AND claim = $4",
            reply_id,
            detail,
            wait,
            claim,
        )

    async def finish(self, reply_id: UUID, claim: UUID, outcome: DeliveryOutcome, detail: str) -> None:
        """Record how the reply's delivery ended, unless another sender holds it now."""
        status = "sent" if outcome is DeliveryOutcome.SENT else "failed"
        await self._pool.execute(
            "UPDATE vk_deliveries SET status = $2, outcome = $3, detail = $4"
            " WHERE reply_id = $1 AND claim = $5 AND outcome IS NULL",
            reply_id,
            status,
            outcome.value,
            detail,
            claim,
        )

    async def take_over_stopped(self, lease: float) -> None:
        """Rows a stopped sender held past its lease: queued again, or uncertain when too old to resend."""
        await self._pool.execute(
            "UPDATE vk_deliveries SET status = 'queued', claimed_at = NULL, claim = NULL"
            " WHERE status IN ('claimed', 'sending') AND claimed_at < now() - make_interval(secs => $1)"
            " AND (status = 'claimed' OR claimed_at > now() - make_interval(secs => $2))",
            lease,
            RESEND_WITHIN,
        )
        taken = await self._pool.fetch(
            "UPDATE vk_deliveries SET status = 'failed', outcome = $2, detail = $3"
            " WHERE status = 'sending' AND claimed_at <= now() - make_interval(secs => $1) RETURNING reply_id",
            RESEND_WITHIN,
            DeliveryOutcome.UNCERTAIN.value,
            UNCERTAIN_DETAIL,
        )
        for row in taken:
            log.warning("vk_reply_uncertain", reply_id=str(row["reply_id"]), detail=UNCERTAIN_DETAIL)

    async def unreported(self, limit: int = 100) -> list[asyncpg.Record]:
        """Ended deliveries the router has not been told of yet."""
        return await self._pool.fetch(
            "SELECT reply_id, conversation_id, outcome, detail FROM vk_deliveries"
            " WHERE outcome IS NOT NULL AND NOT outcome_recorded LIMIT $1",
            limit,
        )

    async def reported(self, reply_id: UUID) -> None:
        """The router has the outcome: it is not reported again."""
        await self._pool.execute("UPDATE vk_deliveries SET outcome_recorded = true WHERE reply_id = $1", reply_id)
