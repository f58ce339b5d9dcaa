"""The VK replies waiting to be sent, being sent, and sent or failed: one row per reply, in PostgreSQL.

A reply is queued once, however often it is read from Kafka. A sender claims a due row with a
token of its own and marks it ``sending`` just before the call to VK. A sender that stops leaves
its row claimed or sending; once its lease has passed, another takes it over and sends it again:
the reply's ``random_id`` makes VK refuse to show it twice. That holds while VK remembers the id,
so a reply left ``sending`` longer than ``RESEND_WITHIN`` is not sent again but failed as uncertain.
"""

from __future__ import annotations

import asyncpg
import structlog

from domain.conversation import DeliveryOutcome
from services.ingest.delivery_rows import DeliveryRows
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


class VkDeliveries(DeliveryRows):
    """The table of VK replies and their progress."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool, "vk_deliveries", "reply_id, conversation_id, community, payload, attempts, claim")

    async def create(self) -> None:
        """Create the table if it is missing."""
        await ensure_tables(self._pool, TABLES)

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
