"""Sending operators' replies by mail: retried with backoff, never sent twice.

Replies are queued in ``mail_deliveries`` by the reply queue (``reply_queue.py``),
so a crash neither loses nor repeats one. A sender claims due
replies one at a time and marks the row ``sending`` just before the message
goes over the wire; a crash after that point leaves the outcome unknown, and
the reply is marked uncertain rather than sent again. Sent and failed are
recorded as events on the conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg
import structlog

from connectors.mail.reply import OutgoingReply, compose
from connectors.mail.smtp import Handover, SmtpServer, hand_over
from connectors.mail.waiting import first_of
from domain.conversation import DeliveryOutcome
from domain.delivery_report import DeliveryReport
from domain.errors import DomainError
from domain.outbound import OutboundReply
from services.attachment_store import file_content
from services.tables import ensure_tables

log = structlog.get_logger()

TABLES = """
CREATE TABLE IF NOT EXISTS mail_deliveries (
    reply_id uuid PRIMARY KEY,
    conversation_id uuid NOT NULL,
    mailbox text NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'queued',
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_at timestamptz,
    outcome text,
    detail text,
    outcome_recorded boolean NOT NULL DEFAULT false,
    queued_at timestamptz NOT NULL DEFAULT now()
);
-- Each claim has its own token: a sender that lost its claim to a takeover cannot act on the row.
ALTER TABLE mail_deliveries ADD COLUMN IF NOT EXISTS claim uuid;
CREATE INDEX IF NOT EXISTS mail_deliveries_due ON mail_deliveries (next_attempt_at) WHERE status = 'queued';
"""

UNCERTAIN_DETAIL = "the sender stopped while handing the mail over; not sent again, so it cannot arrive twice"
# Hands a delivery's outcome to the router, which records it; returns once it is safely on its way.
ReportOutcome = Callable[[DeliveryReport], Awaitable[None]]


@dataclass(frozen=True)
class SendingMailbox:
    """The address replies of one mailbox come from, and the server that sends them."""

    address: str
    display_name: str
    server: SmtpServer


@dataclass(frozen=True)
class Retries:
    """How often and how soon a reply the server did not take is tried again."""

    first_seconds: float = 30.0
    max_seconds: float = 3600.0
    max_attempts: int = 8
    lease_seconds: float = 300.0

    def wait_after(self, attempts: int) -> float:
        """Seconds before the next attempt, doubling each time."""
        return float(min(self.first_seconds * 2 ** (attempts - 1), self.max_seconds))


class LostClaim(Exception):
    """Another sender took the reply over after this one's lease ran out: this one must not send it."""


class MailSender:
    """Sends queued replies, one claimed row at a time, and records how each ended."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        mailboxes: Mapping[str, SendingMailbox],
        report: ReportOutcome,
        retries: Retries,
        queued: asyncio.Event,
    ) -> None:
        self._pool = pool
        self._mailboxes = mailboxes
        self._report = report
        self._retries = retries
        self._queued = queued

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set."""
        await ensure_tables(self._pool, TABLES)
        while not stop.is_set():
            try:
                await self._take_over_stopped()
                await self._record_outcomes()
                row = await self._claim()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("mail_sender_waiting", error=str(error) or type(error).__name__)
                row = None
            if row is None:
                self._queued.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(first_of(stop.wait(), self._queued.wait()), 1.0)
                continue
            try:
                await self._deliver(row)
            except LostClaim:
                log.warning("reply_mail_taken_over", reply_id=str(row["reply_id"]))
            except Exception as error:  # one reply's failure never stops the others
                # The row stays claimed; once its lease ends it is queued again or marked uncertain.
                log.exception("mail_sender_interrupted", reply_id=str(row["reply_id"]), error=str(error))

    async def _claim(self) -> asyncpg.Record | None:
        return await self._pool.fetchrow(
            "UPDATE mail_deliveries SET status = 'claimed', claimed_at = now(), attempts = attempts + 1,"
            " claim = $1 WHERE reply_id = (SELECT reply_id FROM mail_deliveries WHERE status = 'queued'"
            " AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
            " RETURNING reply_id, conversation_id, mailbox, payload, attempts, claim",
            uuid4(),
        )

    async def _deliver(self, row: asyncpg.Record) -> None:
        reply_id, claim = UUID(str(row["reply_id"])), UUID(str(row["claim"]))
        payload = json.loads(row["payload"])
        mailbox = self._mailboxes.get(row["mailbox"])
        if mailbox is None:
            await self._finish(
                reply_id, claim, DeliveryOutcome.REFUSED, f"no mailbox named {row['mailbox']!r} can send"
            )
            return
        try:
            queued = OutboundReply.from_dict(payload)
            files = await self._files(queued)
            recipient = queued.address.value
            reply = OutgoingReply(
                reply_id=reply_id,
                from_address=mailbox.address,
                from_name=mailbox.display_name,
                to_address=recipient,
                subject=queued.subject,
                text=queued.text,
                sent_at=queued.sent_at,
                in_reply_to=queued.in_reply_to,
                references=queued.references,
                files=files,
            )
            mail = compose(reply)
        except (KeyError, ValueError, TypeError, DomainError) as unreadable:
            detail = f"the reply cannot be made into a mail: {unreadable}"
            await self._finish(reply_id, claim, DeliveryOutcome.REFUSED, detail)
            return

        async def sending() -> None:
            still_ours = await self._pool.fetchval(
                "UPDATE mail_deliveries SET status = 'sending' WHERE reply_id = $1 AND claim = $2"
                " AND status = 'claimed' RETURNING true",
                reply_id,
                claim,
            )
            if not still_ours:
                raise LostClaim(reply_id)

        result = await hand_over(mailbox.server, mail, mailbox.address, recipient, before_data=sending)
        bound = log.bind(reply_id=str(reply_id), conversation_id=str(row["conversation_id"]), attempt=row["attempts"])
        if result.handover is Handover.ACCEPTED:
            bound.info("reply_mail_sent", server=result.detail)
            await self._finish(reply_id, claim, DeliveryOutcome.SENT, result.detail)
        elif result.handover is Handover.RETRY and row["attempts"] < self._retries.max_attempts:
            wait = self._retries.wait_after(row["attempts"])
            bound.warning("reply_mail_deferred", detail=result.detail, retry_in=wait)
            await self._pool.execute(
                "UPDATE mail_deliveries SET status = 'queued', claimed_at = NULL, claim = NULL, detail = $2,"
                " next_attempt_at = now() + make_interval(secs => $3) WHERE reply_id = $1 AND claim = $4",
                reply_id,
                result.detail,
                wait,
                claim,
            )
        else:
            outcome = {
                Handover.REFUSED: DeliveryOutcome.REFUSED,
                Handover.UNCERTAIN: DeliveryOutcome.UNCERTAIN,
                Handover.RETRY: DeliveryOutcome.GAVE_UP,
            }[result.handover]
            bound.warning("reply_mail_failed", outcome=outcome, detail=result.detail)
            await self._finish(reply_id, claim, outcome, result.detail)
        await self._record_outcomes()

    async def _files(self, reply: OutboundReply) -> tuple[tuple[str, str, bytes], ...]:
        """The reply's files from the attachment store; ValueError naming one that is no longer there."""
        files = []
        for attachment in reply.attachments:
            content = await file_content(self._pool, attachment.sha256)
            if content is None:
                msg = f"the file {attachment.filename!r} is no longer in the attachment store"
                raise ValueError(msg)
            files.append((attachment.filename, attachment.content_type, content))
        return tuple(files)

    async def _finish(self, reply_id: UUID, claim: UUID, outcome: DeliveryOutcome, detail: str) -> None:
        status = "sent" if outcome is DeliveryOutcome.SENT else "failed"
        # A row taken over meanwhile is the other sender's; a mail it marked uncertain stays so.
        await self._pool.execute(
            "UPDATE mail_deliveries SET status = $2, outcome = $3, detail = $4"
            " WHERE reply_id = $1 AND claim = $5 AND outcome IS NULL",
            reply_id,
            status,
            outcome.value,
            detail,
            claim,
        )

    async def _take_over_stopped(self) -> None:
        """Rows a stopped sender held: claimed ones are queued again, those in flight are uncertain."""
        lease = self._retries.lease_seconds
        await self._pool.execute(
            "UPDATE mail_deliveries SET status = 'queued', claimed_at = NULL, claim = NULL"
            " WHERE status = 'claimed' AND claimed_at < now() - make_interval(secs => $1)",
            lease,
        )
        taken = await self._pool.fetch(
            "UPDATE mail_deliveries SET status = 'failed', outcome = $2, detail = $3"
            " WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $1) RETURNING reply_id",
            lease,
            DeliveryOutcome.UNCERTAIN.value,
            UNCERTAIN_DETAIL,
        )
        for row in taken:
            log.warning("reply_mail_uncertain", reply_id=str(row["reply_id"]), detail=UNCERTAIN_DETAIL)

    async def _record_outcomes(self) -> None:
        """Report each ended delivery to the router once; the conversation ignores a second outcome."""
        rows = await self._pool.fetch(
            "SELECT reply_id, conversation_id, outcome, detail FROM mail_deliveries"
            " WHERE outcome IS NOT NULL AND NOT outcome_recorded LIMIT 100"
        )
        for row in rows:
            # asyncpg has a UUID type of its own, which the event store does not serialize.
            conversation_id, reply_id = UUID(str(row["conversation_id"])), UUID(str(row["reply_id"]))
            report = DeliveryReport(conversation_id, reply_id, DeliveryOutcome(row["outcome"]), row["detail"] or "")
            try:
                await self._report(report)
            except Exception as error:  # noqa: BLE001 - the outcome stays unrecorded and is tried again
                log.warning(
                    "reply_outcome_unrecorded", reply_id=str(reply_id), error=str(error) or type(error).__name__
                )
                continue
            await self._pool.execute("UPDATE mail_deliveries SET outcome_recorded = true WHERE reply_id = $1", reply_id)
