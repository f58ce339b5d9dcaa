"""A channel's table of replies to send, one row per reply, as every channel's sender uses it.

A sender claims a due row under a token of its own and acts on it only while the token is still the
row's: a sender whose lease ran out, and whose row another took over, changes nothing of it. How a
row that a stopped sender held is taken over differs by channel (whether a reply may be sent again),
and so stays with each channel's sender.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg
import structlog

from domain.conversation import DeliveryOutcome
from domain.delivery_report import DeliveryReport

log = structlog.get_logger()

# Hands a delivery's outcome to the router, which records it; returns once it is safely on its way.
ReportOutcome = Callable[[DeliveryReport], Awaitable[None]]


@dataclass(frozen=True)
class Retries:
    """How often and how soon a reply the channel did not take is tried again; when a stopped sender's is taken."""

    first_seconds: float = 30.0
    max_seconds: float = 3600.0
    max_attempts: int = 8
    lease_seconds: float = 300.0

    def wait_after(self, attempts: int) -> float:
        """Seconds before the next attempt, doubling each time."""
        return float(min(self.first_seconds * 2 ** (attempts - 1), self.max_seconds))


class LostClaim(Exception):
    """Another sender took the reply over after this one's lease ran out: this one must not send it."""


class DeliveryRows:
    """The rows of one table (``mail_deliveries``, ``vk_deliveries``, ...): claimed, retried, finished, reported."""

    def __init__(self, pool: asyncpg.Pool, table: str, claimed_columns: str) -> None:
        # ``table`` and ``claimed_columns`` are our own constants, never a client's text.
        self._pool = pool
        self._table = table
        self._claimed_columns = claimed_columns

    async def claim(self) -> asyncpg.Record | None:
        """The next due reply, claimed under a fresh token; None when nothing is due."""
        t = self._table
        return await self._pool.fetchrow(
            f"UPDATE {t} SET status = 'claimed', claimed_at = now(), attempts = attempts + 1,"  # noqa: S608
            f" claim = $1 WHERE reply_id = (SELECT reply_id FROM {t} WHERE status = 'queued'"
            " AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
            f" RETURNING {self._claimed_columns}",
            uuid4(),
        )

    async def sending(self, reply_id: UUID, claim: UUID) -> bool:
        """Mark the reply as being handed over; False if another sender took it over meanwhile."""
        ours = await self._pool.fetchval(
            f"UPDATE {self._table} SET status = 'sending' WHERE reply_id = $1 AND claim = $2"  # noqa: S608
            " AND status = 'claimed' RETURNING true",
            reply_id,
            claim,
        )
        return bool(ours)

    async def retry_later(self, reply_id: UUID, claim: UUID, detail: str, wait: float) -> None:
        """Queue the reply again in ``wait`` seconds."""
        await self._pool.execute(
            f"UPDATE {self._table} SET status = 'queued', claimed_at = NULL, claim = NULL, detail = $2,"  # noqa: S608
            " next_attempt_at = now() + make_interval(secs => $3) WHERE reply_id = $1 AND claim = $4",
            reply_id,
            detail,
            wait,
            claim,
        )

    async def finish(self, reply_id: UUID, claim: UUID, outcome: DeliveryOutcome, detail: str) -> None:
        """Record how the reply's delivery ended, unless another sender holds it now."""
        status = "sent" if outcome is DeliveryOutcome.SENT else "failed"
        # A row taken over meanwhile is the other sender's; a reply it marked uncertain stays so.
        await self._pool.execute(
            f"UPDATE {self._table} SET status = $2, outcome = $3, detail = $4"  # noqa: S608
            " WHERE reply_id = $1 AND claim = $5 AND outcome IS NULL",
            reply_id,
            status,
            outcome.value,
            detail,
            claim,
        )

    async def fail_stopped_in_flight(self, lease: float, detail: str) -> list[asyncpg.Record]:
        """For a channel that never sends a reply twice: rows a stopped sender held past ``lease`` seconds.

        Claimed ones are queued again; those it was handing over are failed as uncertain (and returned).
        """
        await self._pool.execute(
            f"UPDATE {self._table} SET status = 'queued', claimed_at = NULL, claim = NULL"  # noqa: S608
            " WHERE status = 'claimed' AND claimed_at < now() - make_interval(secs => $1)",
            lease,
        )
        return await self._pool.fetch(
            f"UPDATE {self._table} SET status = 'failed', outcome = $2, detail = $3"  # noqa: S608
            " WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $1)"
            f" RETURNING {self._claimed_columns}",
            lease,
            DeliveryOutcome.UNCERTAIN.value,
            detail,
        )

    async def unreported(self, limit: int = 100) -> list[asyncpg.Record]:
        """Ended deliveries the router has not been told of yet."""
        return await self._pool.fetch(
            f"SELECT reply_id, conversation_id, outcome, detail FROM {self._table}"  # noqa: S608
            " WHERE outcome IS NOT NULL AND NOT outcome_recorded LIMIT $1",
            limit,
        )

    async def reported(self, reply_id: UUID) -> None:
        """The router has the outcome: it is not reported again."""
        await self._pool.execute(
            f"UPDATE {self._table} SET outcome_recorded = true WHERE reply_id = $1",  # noqa: S608
            reply_id,
        )

    async def report_outcomes(self, report: ReportOutcome, not_reported_event: str) -> None:
        """Report each ended delivery to the router once; the conversation ignores a second outcome."""
        for row in await self.unreported():
            # asyncpg has a UUID type of its own, which the event store does not serialize.
            conversation_id, reply_id = UUID(str(row["conversation_id"])), UUID(str(row["reply_id"]))
            outcome = DeliveryReport(conversation_id, reply_id, DeliveryOutcome(row["outcome"]), row["detail"] or "")
            try:
                await report(outcome)
            except Exception as error:  # noqa: BLE001 - the outcome stays unreported and is tried again
                log.warning(not_reported_event, reply_id=str(reply_id), error=str(error) or type(error).__name__)
                continue
            await self.reported(reply_id)
