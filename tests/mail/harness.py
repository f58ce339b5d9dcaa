"""A mailbox watcher running in the test's event loop against real Dovecot and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg

from application.event_store import EventStore
from application.receive_messages import receive_messages
from application.receiving import Outcome
from connectors.mail.watcher import Mailbox, MailboxWatcher, Timing
from domain.inbound import InboundMessage
from services.ingest.mail_state import PostgresMailboxState
from tests.mail_servers import MailUser

FAST = Timing(command_timeout=5.0, idle_seconds=30.0, poll_seconds=0.5, first_backoff=0.2, max_backoff=1.0)


def mailbox_of(user: MailUser, **overrides: object) -> Mailbox:
    """A mailbox watching the user's INBOX on the test Dovecot, over plain IMAP."""
    fields: dict[str, object] = {
        "name": "sales",
        "address": "sales@shop.example",
        "host": user.host,
        "port": user.port,
        "username": user.name,
        "password": user.password,
        "tls": False,
        "collect_days": 3650,
    }
    fields.update(overrides)
    return Mailbox(**fields)  # type: ignore[arg-type]


@dataclass
class Stored:
    """Everything the watcher published, as the inbox took it."""

    published: list[InboundMessage] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def stored(self) -> int:
        """Messages the inbox stored (not duplicates)."""
        return sum(1 for o in self.outcomes if o is not Outcome.DUPLICATE)

    async def until_stored(self, count: int, timeout: float = 30.0) -> None:
        """Wait until ``count`` messages are stored; TimeoutError otherwise."""
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: self.stored >= count), timeout)

    async def until_published(self, count: int, timeout: float = 30.0) -> None:
        """Wait until ``count`` messages were published, duplicates included."""
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: len(self.published) >= count), timeout)


@contextlib.asynccontextmanager
async def watching(
    mailbox: Mailbox, store: EventStore, pool: asyncpg.Pool, stored: Stored, **options: object
) -> AsyncIterator[MailboxWatcher]:
    """Run a watcher whose mails go straight into the inbox, until the block ends."""
    state = PostgresMailboxState(pool)
    await state.create()

    async def publish(messages: list[InboundMessage]) -> None:
        results = await asyncio.to_thread(receive_messages, store, messages)
        async with stored.changed:
            stored.published.extend(messages)
            stored.outcomes.extend(r.outcome for r in results)
            stored.changed.notify_all()

    watcher = MailboxWatcher(mailbox, state, publish, timing=options.pop("timing", FAST), **options)  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop))
    try:
        yield watcher
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
