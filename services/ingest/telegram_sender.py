"""Sending operators' replies to Telegram chats: retried when Telegram did not take them, never twice.

Replies wait in ``telegram_deliveries`` (queued by ``telegram_replies.py``). A sender claims one,
and before each part goes to the Bot API marks the row ``sending``; after Telegram took the part
it counts it (``parts_sent``) and marks the row claimed again. A sender that dies while a part is
``sending`` leaves its fate unknown: once the lease has passed the reply is failed as
``uncertain`` and not sent again. One only claimed is sent, from the first part not yet sent.

A 429 holds that bot's replies for the ``retry_after`` Telegram asked and does not count as an
attempt; a request that never reached Telegram is retried with backoff; a refusal (the customer
blocked the bot) fails the reply with Telegram's words for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Mapping
from uuid import UUID, uuid4

import asyncpg
import structlog
from telegram import Bot

from connectors.mail.waiting import first_of
from connectors.telegram.api import Failure
from connectors.telegram.sending import PartNotSent, PartSent, send_file, send_part, split_text
from domain.attachments import Attachment
from domain.conversation import DeliveryOutcome
from domain.errors import DomainError
from domain.outbound import OutboundReply
from services.attachment_store import file_content
from services.ingest.delivery_rows import DeliveryRows, LostClaim, ReportOutcome, Retries
from services.ingest.telegram_replies import TABLES
from services.tables import ensure_tables

log = structlog.get_logger()

UNCERTAIN_DETAIL = "the sender stopped while handing the reply to Telegram; not sent again, so it cannot arrive twice"
_CLAIMED = "reply_id, conversation_id, bot, chat_id, payload, attempts, parts_sent, claim"
_UNAVAILABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


class TelegramSender:
    """Sends queued replies through their bots, one claimed row at a time, and reports how each ended."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        bots: Mapping[str, Bot],
        report: ReportOutcome,
        retries: Retries,
        queued: asyncio.Event,
    ) -> None:
        self._pool = pool
        self._rows = DeliveryRows(pool, "telegram_deliveries", _CLAIMED)
        self._bots = bots
        self._report = report
        self._retries = retries
        self._queued = queued
        self._held_until: dict[str, float] = {}  # bots Telegram asked to wait (429), until when (monotonic)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set."""
        await ensure_tables(self._pool, TABLES)
        while not stop.is_set():
            try:
                await self._take_over_stopped()
                await self._record_outcomes()
                row = await self._claim()
            except _UNAVAILABLE as error:
                log.warning("telegram_sender_waiting", error=str(error) or type(error).__name__)
                row = None
            if row is None:
                self._queued.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(first_of(stop.wait(), self._queued.wait()), 1.0)
                continue
            try:
                await self._deliver(row)
                await self._record_outcomes()
            except LostClaim:
                log.warning("telegram_reply_taken_over", reply_id=str(row["reply_id"]))
            except Exception as error:  # one reply's failure never stops the others
                # The row stays claimed or sending; once its lease ends it is queued again or marked uncertain.
                log.exception("telegram_sender_interrupted", reply_id=str(row["reply_id"]), error=str(error))

    async def _claim(self) -> asyncpg.Record | None:
        now = time.monotonic()
        held = [bot for bot, until in self._held_until.items() if until > now]
        return await self._pool.fetchrow(
            "UPDATE telegram_deliveries SET status = 'claimed', claimed_at = now(), attempts = attempts + 1,"  # noqa: S608
            " claim = $1 WHERE reply_id = (SELECT reply_id FROM telegram_deliveries WHERE status = 'queued'"
            " AND next_attempt_at <= now() AND NOT bot = ANY($2::text[]) ORDER BY next_attempt_at LIMIT 1"
            " FOR UPDATE SKIP LOCKED)"
            f" RETURNING {_CLAIMED}",
            uuid4(),
            held,
        )

    async def _deliver(self, row: asyncpg.Record) -> None:
        reply_id, claim = UUID(str(row["reply_id"])), UUID(str(row["claim"]))
        bound = log.bind(
            reply_id=str(reply_id), conversation_id=str(row["conversation_id"]), bot=row["bot"], attempt=row["attempts"]
        )
        bot = self._bots.get(row["bot"])
        if bot is None:
            await self._finish(reply_id, claim, DeliveryOutcome.REFUSED, f"no bot named {row['bot']!r} is configured")
            return
        try:
            reply = OutboundReply.from_dict(json.loads(row["payload"]))
        except (ValueError, DomainError) as unreadable:
            await self._finish(reply_id, claim, DeliveryOutcome.REFUSED, f"the reply cannot be read: {unreadable}")
            return
        parts: list[str | Attachment] = [*split_text(reply.text), *reply.attachments]
        if not parts:
            await self._finish(reply_id, claim, DeliveryOutcome.REFUSED, "the reply has no text or file to send")
            return
        for index in range(row["parts_sent"], len(parts)):
            part = parts[index]
            content = await file_content(self._pool, part.sha256) if isinstance(part, Attachment) else None
            if isinstance(part, Attachment) and content is None:
                gone = f"the file {part.filename!r} is no longer in the attachment store"
                await self._finish(reply_id, claim, DeliveryOutcome.REFUSED, gone)
                return
            await self._mark(reply_id, claim, "claimed", "sending")
            if isinstance(part, Attachment):
                assert content is not None  # refused just above
                outcome = await send_file(bot, row["chat_id"], part.filename, content)
            else:
                outcome = await send_part(bot, row["chat_id"], part)
            if isinstance(outcome, PartSent):
                await self._mark(reply_id, claim, "sending", "claimed", parts_sent=index + 1)
                continue
            await self._not_sent(row, claim, outcome, f"part {index + 1} of {len(parts)}" if len(parts) > 1 else "")
            bound.warning("telegram_reply_not_sent", failure=outcome.failure.value, detail=outcome.detail, part=index)
            return
        bound.info("telegram_reply_sent", parts=len(parts))
        await self._finish(reply_id, claim, DeliveryOutcome.SENT, f"{len(parts)} message(s) sent")

    async def _mark(self, reply_id: UUID, claim: UUID, before: str, after: str, parts_sent: int | None = None) -> None:
        still_ours = await self._pool.fetchval(
            "UPDATE telegram_deliveries SET status = $4, claimed_at = now(), parts_sent = coalesce($5, parts_sent)"
            " WHERE reply_id = $1 AND claim = $2 AND status = $3 RETURNING true",
            reply_id,
            claim,
            before,
            after,
            parts_sent,
        )
        if not still_ours:
            raise LostClaim(reply_id)

    async def _not_sent(self, row: asyncpg.Record, claim: UUID, outcome: PartNotSent, which: str) -> None:
        reply_id = UUID(str(row["reply_id"]))
        detail = f"{which}: {outcome.detail}" if which else outcome.detail
        if outcome.failure is Failure.NOT_SENT and outcome.retry_after is not None:
            # Flood control: the whole bot waits, and the wait is no failed attempt.
            self._held_until[row["bot"]] = time.monotonic() + outcome.retry_after
            await self._queue_again(reply_id, claim, detail, outcome.retry_after, attempts_back=1)
        elif outcome.failure is Failure.NOT_SENT and row["attempts"] < self._retries.max_attempts:
            await self._queue_again(reply_id, claim, detail, self._retries.wait_after(row["attempts"]))
        else:
            if outcome.failure is Failure.UNCERTAIN:
                detail = f"{detail}; Telegram may have taken it, so it is not sent again"
            reason = {
                Failure.NOT_SENT: DeliveryOutcome.GAVE_UP,
                Failure.REFUSED: DeliveryOutcome.REFUSED,
                Failure.UNCERTAIN: DeliveryOutcome.UNCERTAIN,
            }[outcome.failure]
            await self._finish(reply_id, claim, reason, detail)

    async def _queue_again(self, reply_id: UUID, claim: UUID, detail: str, wait: float, attempts_back: int = 0) -> None:
        await self._pool.execute(
            "UPDATE telegram_deliveries SET status = 'queued', claimed_at = NULL, claim = NULL, detail = $2,"
            " attempts = attempts - $5, next_attempt_at = now() + make_interval(secs => $3)"
            " WHERE reply_id = $1 AND claim = $4",
            reply_id,
            detail,
            wait,
            claim,
            attempts_back,
        )

    async def _finish(self, reply_id: UUID, claim: UUID, outcome: DeliveryOutcome, detail: str) -> None:
        await self._rows.finish(reply_id, claim, outcome, detail[:2000])

    async def _take_over_stopped(self) -> None:
        for row in await self._rows.fail_stopped_in_flight(self._retries.lease_seconds, UNCERTAIN_DETAIL):
            log.warning("telegram_reply_uncertain", reply_id=str(row["reply_id"]), parts_sent=row["parts_sent"])

    async def _record_outcomes(self) -> None:
        await self._rows.report_outcomes(self._report, "telegram_outcome_unrecorded")
