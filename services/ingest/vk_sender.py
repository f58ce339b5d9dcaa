"""Sending the queued VK replies: each claimed, sent with its own ``random_id``, its outcome reported.

Errors VK asks us to wait out (6, 9, 10) and calls that got no answer are tried again after a
pause that doubles each time, up to ``vk_max_attempts``; then the reply has failed as given up.
A refusal (901: the customer has not allowed messages; any other error) fails it at once. Sent
and failed go to the router, which records them on the conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from uuid import UUID

import asyncpg
import structlog

from connectors.mail.waiting import first_of
from connectors.vk.api import CommunityApi
from connectors.vk.delivery import Handover, send_reply
from domain.conversation import DeliveryOutcome
from domain.errors import DomainError
from domain.outbound import OutboundReply
from services.ingest.delivery_rows import ReportOutcome, Retries
from services.ingest.vk_deliveries import VkDeliveries

log = structlog.get_logger()

UNAVAILABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


class VkSender:
    """Sends queued replies through their community's API, one claimed row at a time."""

    def __init__(
        self,
        deliveries: VkDeliveries,
        communities: Mapping[str, CommunityApi],
        report: ReportOutcome,
        pacing: Retries,
        queued: asyncio.Event,
    ) -> None:
        self._deliveries = deliveries
        self._communities = communities
        self._report = report
        self._pacing = pacing
        self._queued = queued

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set."""
        await self._deliveries.create()
        while not stop.is_set():
            try:
                await self._deliveries.take_over_stopped(self._pacing.lease_seconds)
                await self._report_outcomes()
                row = await self._deliveries.claim()
            except UNAVAILABLE as error:
                log.warning("vk_sender_waiting", error=str(error) or type(error).__name__)
                row = None
            if row is None:
                self._queued.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(first_of(stop.wait(), self._queued.wait()), 1.0)
                continue
            try:
                await self._deliver(row)
                await self._report_outcomes()
            except Exception as error:  # one reply's failure never stops the others
                # The row stays claimed; once its lease ends it is taken over.
                log.exception("vk_sender_interrupted", reply_id=str(row["reply_id"]), error=str(error))

    async def _deliver(self, row: asyncpg.Record) -> None:
        reply_id, claim = UUID(str(row["reply_id"])), UUID(str(row["claim"]))
        bound = log.bind(
            reply_id=str(reply_id), conversation_id=str(row["conversation_id"]), community=row["community"]
        )
        api = self._communities.get(row["community"])
        if api is None:
            detail = f"no VK community named {row['community']!r} is configured to send it"
            await self._deliveries.finish(reply_id, claim, DeliveryOutcome.REFUSED, detail)
            bound.warning("vk_reply_failed", outcome=DeliveryOutcome.REFUSED, detail=detail)
            return
        try:
            reply = OutboundReply.from_dict(json.loads(row["payload"]))
            peer_id = int(reply.address.value)
        except (ValueError, DomainError) as unreadable:
            detail = f"the reply cannot be sent to VK: {unreadable}"
            await self._deliveries.finish(reply_id, claim, DeliveryOutcome.REFUSED, detail)
            bound.warning("vk_reply_failed", outcome=DeliveryOutcome.REFUSED, detail=detail)
            return
        if not await self._deliveries.sending(reply_id, claim):
            bound.warning("vk_reply_taken_over")
            return
        attempt = await send_reply(api, peer_id, reply_id, reply.text)
        bound = bound.bind(attempt=row["attempts"])
        if attempt.handover is Handover.SENT:
            bound.info("vk_reply_sent", detail=attempt.detail)
            await self._deliveries.finish(reply_id, claim, DeliveryOutcome.SENT, attempt.detail)
        elif attempt.handover is Handover.RETRY and row["attempts"] < self._pacing.max_attempts:
            wait = self._pacing.wait_after(row["attempts"])
            bound.warning("vk_reply_deferred", detail=attempt.detail, retry_in=wait)
            await self._deliveries.retry_later(reply_id, claim, attempt.detail, wait)
        else:
            outcome = DeliveryOutcome.REFUSED if attempt.handover is Handover.REFUSED else DeliveryOutcome.GAVE_UP
            bound.warning("vk_reply_failed", outcome=outcome, detail=attempt.detail)
            await self._deliveries.finish(reply_id, claim, outcome, attempt.detail)

    async def _report_outcomes(self) -> None:
        await self._deliveries.report_outcomes(self._report, "vk_outcome_unreported")
