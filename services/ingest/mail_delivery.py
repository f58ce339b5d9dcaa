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
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import structlog

from connectors.mail.reply import OutgoingReply, compose
from connectors.mail.smtp import Handover, SmtpServer, hand_over
from connectors.mail.waiting import first_of
from domain.conversation import DeliveryOutcome
from domain.errors import DomainError
from domain.outbound import OutboundReply
from services.attachment_store import file_content
from services.ingest.delivery_rows import DeliveryRows, LostClaim, ReportOutcome, Retries
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


@dataclass(frozen=True)
class SendingMailbox:
    """The address replies of one mailbox come from, and the server that sends them."""

    address: str
    display_name: str
    server: SmtpServer


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
        self._rows = DeliveryRows(
            pool, "mail_deliveries", "reply_id, conversation_id, mailbox, payload, attempts, claim"
        )
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
                row = await self._rows.claim()
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

    async def _deliver(self, row: asyncpg.Record) -> None:
        reply_id, claim = UUID(str(row["reply_id"])), UUID(str(row["claim"]))
        payload = json.loads(row["payload"])
        mailbox = self._mailboxes.get(row["mailbox"])
        if mailbox is None:
            await self._rows.finish(
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
            await self._rows.finish(reply_id, claim, DeliveryOutcome.REFUSED, detail)
            return

        async def sending() -> None:
            if not await self._rows.sending(reply_id, claim):
                raise LostClaim(reply_id)

        result = await hand_over(mailbox.server, mail, mailbox.address, recipient, before_data=sending)
        bound = log.bind(reply_id=str(reply_id), conversation_id=str(row["conversation_id"]), attempt=row["attempts"])
        if result.handover is Handover.ACCEPTED:
            bound.info("reply_mail_sent", server=result.detail)
            await self._rows.finish(reply_id, claim, DeliveryOutcome.SENT, result.detail)
        elif result.handover is Handover.RETRY and row["attempts"] < self._retries.max_attempts:
            wait = self._retries.wait_after(row["attempts"])
            bound.warning("reply_mail_deferred", detail=result.detail, retry_in=wait)
            await self._rows.retry_later(reply_id, claim, result.detail, wait)
        else:
            outcome = {
                Handover.REFUSED: DeliveryOutcome.REFUSED,
                Handover.UNCERTAIN: DeliveryOutcome.UNCERTAIN,
                Handover.RETRY: DeliveryOutcome.GAVE_UP,
            }[result.handover]
            bound.warning("reply_mail_failed", outcome=outcome, detail=result.detail)
            await self._rows.finish(reply_id, claim, outcome, result.detail)
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

    async def _take_over_stopped(self) -> None:
        for row in await self._rows.fail_stopped_in_flight(self._retries.lease_seconds, UNCERTAIN_DETAIL):
            log.warning("reply_mail_uncertain", reply_id=str(row["reply_id"]), detail=UNCERTAIN_DETAIL)

    async def _record_outcomes(self) -> None:
        await self._rows.report_outcomes(self._report, "reply_outcome_unrecorded")
