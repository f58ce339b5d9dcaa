"""The gateway's campaign sender: the mail of every campaign sending, at the configured rate, each contact once.

One gateway sends at a time, the one holding the ``campaign-sender`` lock, so the rate
(``SWITCHBOARD_CAMPAIGN_MAILS_PER_SECOND``) holds for all of them together. It runs in the gateway
because each mail sent is an activity on its contact, a use case, which ingest never calls; the mail
goes through the campaign's mailbox's SMTP server, as replies do. A gateway killed mid-campaign
leaves its claim to expire (``SWITCHBOARD_MAIL_SEND_LEASE_SECONDS``): a mail claimed but not yet
handed over goes again, one that was being handed over is marked uncertain and never sent twice.
A campaign paused or cancelled stops after the mail in hand.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import asyncpg
import structlog

from application.event_store import EventStore
from connectors.mail.waiting import first_of
from services.bulk_mail import Sender, send_queued
from services.console import campaign_records as campaigns
from services.ingest.leading import leading
from services.ingest.mail import sending_mailbox
from services.settings import Settings
from services.tokens import Signer

log = structlog.get_logger()
LOCK = "campaign-sender"


def senders(settings: Settings, signer: Signer) -> dict[str, Sender]:
    """The configured mailboxes campaigns may go out from, by name."""
    found = {}
    for config in settings.mailboxes:
        mailbox = sending_mailbox(config, settings.mail_command_timeout)
        found[config.name] = Sender(
            mailbox.address, mailbox.display_name, mailbox.server, f"{settings.console_url}/unsubscribe", signer,
            per_second=settings.campaign_mails_per_second, max_attempts=settings.mail_max_attempts,
            lease_seconds=settings.mail_send_lease_seconds, retry_seconds=settings.mail_retry_seconds,
        )  # fmt: skip
    return found


class CampaignSender:
    """Sends the mail of campaigns sending, while this gateway holds the sender's lock."""

    def __init__(
        self,
        store: Callable[[], EventStore],
        pool: Callable[[], asyncpg.Pool],
        mailboxes: dict[str, Sender],
        lease_seconds: float,
        poll_seconds: float = 1.0,
    ) -> None:
        self._store, self._pool, self._mailboxes, self._poll = store, pool, mailboxes, poll_seconds
        self._lease = lease_seconds
        self._started = asyncio.Event()

    def wake(self) -> None:
        """A campaign was started or resumed: look now, not at the next poll."""
        self._started.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send while this process holds the lock, until ``stop``; LockLost when its connection ends."""
        await leading(self._pool(), LOCK, self._send, stop, elsewhere="campaigns_sent_elsewhere")

    async def _send(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._started.clear()
            await campaigns.take_over_stopped(self._pool(), self._lease)
            for row in await campaigns.sending(self._pool()):
                if stop.is_set():
                    return
                await self._campaign(row, stop)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(first_of(stop.wait(), self._started.wait()), self._poll)

    async def _campaign(self, row: asyncpg.Record, stop: asyncio.Event) -> None:
        campaign_id = row["campaign_id"]
        sender = self._mailboxes.get(row["mailbox"])
        if sender is None:
            # Paused, not failed: configuring the mailbox again and resuming sends what waits.
            log.error("campaign_mailbox_missing", campaign_id=str(campaign_id), mailbox=row["mailbox"])
            await campaigns.pause_for_mailbox(self._pool(), campaign_id)
            return
        await send_queued(self._pool(), self._store(), sender, campaign_id, stop, until_none_left=False)
        if await campaigns.finish_if_sent(self._pool(), campaign_id):
            log.info("campaign_done", campaign_id=str(campaign_id))
