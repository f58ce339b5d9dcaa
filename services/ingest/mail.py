"""The mail channel in the ingest process: a watcher per mailbox, the reply queue and the sender."""

from __future__ import annotations

import asyncio
import contextlib
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
from services.ingest.mail_delivery import MailSender, ReportOutcome, Retries, SendingMailbox
from services.ingest.mail_state import PostgresMailboxState
from services.ingest.reply_queue import ReplyQueue
from services.settings import MailboxSettings, Settings
from services.topics import Topics

log = structlog.get_logger()

LOCK_RETRY_SECONDS = 5.0

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
        (f"watcher {w.mailbox.name}", functools.partial(_leading, pool, w)) for w in watchers(settings, state, publish)
    ]
    parts += [("reply queue", queue.run), ("mail sender", sender.run)]
    tasks = [asyncio.create_task(_supervised(name, part, stop)) for name, part in parts]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _leading(pool: asyncpg.Pool, watcher: MailboxWatcher, stop: asyncio.Event) -> None:
    """Watch the mailbox while this process holds its lock: one watcher per mailbox, however many ingests run.

    The lock lives on a connection of its own; when that connection ends, so does the lock, and the
    watcher stops with it, to be started again by whoever takes the lock next.
    """
    key = f"mailbox:{watcher.mailbox.name}"
    async with pool.acquire() as conn:
        waiting_logged = False
        while not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", key):
            if not waiting_logged:
                log.info("mailbox_watched_elsewhere", mailbox=watcher.mailbox.name)
                waiting_logged = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LOCK_RETRY_SECONDS)
            if stop.is_set():
                return
        watching = asyncio.Event()  # set to stop this watcher: on stop, or when the lock is lost
        holding = asyncio.create_task(_hold(conn, stop, watching))
        try:
            await watcher.run(watching)
        finally:
            holding.cancel()
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", key)
    if not stop.is_set():
        msg = f"the lock on mailbox {watcher.mailbox.name!r} was lost with its connection"
        raise RuntimeError(msg)


async def _hold(
    conn: asyncpg.pool.PoolConnectionProxy[asyncpg.Record], stop: asyncio.Event, watching: asyncio.Event
) -> None:
    """Set ``watching`` when ``stop`` is set or the lock's connection stops answering."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), LOCK_RETRY_SECONDS)
        try:
            await asyncio.wait_for(conn.fetchval("SELECT 1"), LOCK_RETRY_SECONDS)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            break
    watching.set()


async def _supervised(name: str, part: Callable[[asyncio.Event], Awaitable[None]], stop: asyncio.Event) -> None:
    """Run one part of the mail channel until ``stop``; if it fails, say so and start it again."""
    wait = 1.0
    while not stop.is_set():
        try:
            await part(stop)
        except Exception:  # a failed part is restarted, never left dead in silence
            log.exception("mail_part_failed", part=name, restart_in=wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            wait = min(wait * 2, 60.0)
        else:
            return
