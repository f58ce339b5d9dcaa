"""The mail channel in the ingest process: a watcher per mailbox, the reply queue and the sender."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from connectors.mail.limits import MailLimits
from connectors.mail.parsing import Routing
from connectors.mail.smtp import SmtpServer
from connectors.mail.watcher import Mailbox, MailboxWatcher, Timing
from domain.inbound import InboundMessage
from services.dead_letters import Retrying
from services.ingest.delivery_rows import ReportOutcome, Retries
from services.ingest.leading import leading, supervised
from services.ingest.mail_delivery import MailSender, SendingMailbox
from services.ingest.mail_state import PostgresMailboxState
from services.ingest.reply_queue import ReplyQueue
from services.settings import MailboxSettings, Settings
from services.topics import Topics

log = structlog.get_logger()


PublishMany = Callable[[list[InboundMessage]], Awaitable[None]]


def mailbox(config: MailboxSettings) -> Mailbox:
    """The watcher's view of a configured mailbox."""
    return Mailbox(
        name=config.name,
        address=config.address.lower(),
        host=config.imap_host,
        port=config.imap_port,
        username=config.username,
        password=config.password.get_secret_value(),
        tls=config.imap_tls,
        folder=config.folder,
        collect_days=config.collect_days,
        exclude=frozenset(address.lower() for address in config.exclude),
    )


def sending_mailbox(config: MailboxSettings, timeout: float) -> SendingMailbox:
    """Where a configured mailbox's replies are sent from."""
    server = SmtpServer(
        host=config.smtp_host or config.imap_host,
        port=config.smtp_port,
        security=config.smtp_security,
        username=config.smtp_username,
        password=config.smtp_password.get_secret_value(),
        timeout=timeout,
    )
    return SendingMailbox(address=config.address.lower(), display_name=config.display_name, server=server)


def watchers(settings: Settings, state: PostgresMailboxState, publish: PublishMany) -> list[MailboxWatcher]:
    """One watcher per configured mailbox."""
    timing = Timing(
        command_timeout=settings.mail_command_timeout,
        idle_seconds=settings.mail_idle_seconds,
        poll_seconds=settings.mail_poll_seconds,
        max_backoff=settings.mail_max_backoff,
    )
    limits = MailLimits(max_attachment_bytes=settings.attachment_max_bytes)
    return [
        MailboxWatcher(
            mailbox(config),
            state,
            publish,
            crm_address=settings.crm_address,
            limits=limits,
            timing=timing,
            senders=Routing(
                authserv_ids=frozenset(settings.mail_authserv_ids),
                trusted_senders=frozenset(settings.crm_trusted_senders),
            ),
        )
        for config in settings.mailboxes
    ]


async def run_mail(
    settings: Settings, pool: asyncpg.Pool, publish: PublishMany, report: ReportOutcome, stop: asyncio.Event
) -> None:
    """Run the mail channel until ``stop`` is set; nothing runs when no mailbox is configured.

    ``report`` hands each reply's delivery outcome to the router, which records it.
    """
    if not settings.mailboxes:
        return
    state = PostgresMailboxState(pool)
    await state.create([config.name for config in settings.mailboxes])
    queued = asyncio.Event()
    topics = Topics.named(settings.topic_prefix)
    queue = ReplyQueue(
        pool,
        settings,
        topics.outbound,
        f"{settings.topic_prefix}.mail-replies",
        queued,
        Retrying(settings.dead_letter_attempts, settings.dead_letter_backoff_seconds),
    )
    sender = MailSender(
        pool,
        {config.name: sending_mailbox(config, settings.mail_command_timeout) for config in settings.mailboxes},
        report,
        Retries(
            first_seconds=settings.mail_retry_seconds,
            max_attempts=settings.mail_max_attempts,
            lease_seconds=settings.mail_send_lease_seconds,
        ),
        queued,
    )
    parts: list[tuple[str, Callable[[asyncio.Event], Awaitable[None]]]] = [
        (f"watcher {w.mailbox.name}", _watching(pool, w)) for w in watchers(settings, state, publish)
    ]
    parts += [("reply queue", queue.run), ("mail sender", sender.run)]
    tasks = [asyncio.create_task(supervised("mail", name, part, stop)) for name, part in parts]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _watching(pool: asyncpg.Pool, watcher: MailboxWatcher) -> Callable[[asyncio.Event], Awaitable[None]]:
    """Watch the mailbox while this process holds its lock: one watcher per mailbox, however many ingests run."""
    mailbox = watcher.mailbox.name
    return functools.partial(
        leading, pool, f"mailbox:{mailbox}", watcher.run, elsewhere="mailbox_watched_elsewhere", mailbox=mailbox
    )
