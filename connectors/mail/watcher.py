"""Watching one mailbox: every mail in its folder published once, checkpointed, and never a silent stop.

The checkpoint is the folder's (UIDVALIDITY, last UID). A UID means nothing
without its UIDVALIDITY: when the server changes it, the folder is read again
within the collection window, and the dedupe key of each mail (its Message-ID,
or a hash of its bytes) makes the inbox recognise what it already has.

A checkpoint is saved only after the broker acknowledged the mails before it,
so a crash publishes some mails again and loses none; the inbox stores each
dedupe key once.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

import structlog

from connectors.mail.imap_session import FetchedMail, FolderState, ImapFailure, ImapSession
from connectors.mail.limits import MailLimits, MailRejected
from connectors.mail.parsing import Attachment, Routing, parse_mail, to_inbound
from connectors.mail.waiting import first_of
from domain.errors import DomainError
from domain.inbound import InboundMessage

log = structlog.get_logger()

SIZES_PER_COMMAND = 200


@dataclass(frozen=True)
class Mailbox:
    """One mailbox to watch, with its own credentials, folder, collection window and exclude list."""

    name: str
    address: str
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    tls: bool = True
    folder: str = "INBOX"
    collect_days: int = 14
    exclude: frozenset[str] = frozenset()  # addresses, or "@domain" for a whole domain

    def excludes(self, address: str) -> bool:
        """Whether mail from ``address`` must never become a lead."""
        address = address.lower()
        return address in self.exclude or "@" + address.rpartition("@")[2] in self.exclude


@dataclass(frozen=True)
class Checkpoint:
    """The last mail published from a folder, by UID, valid only under its UIDVALIDITY."""

    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class Timing:
    """How long to wait for what."""

    command_timeout: float = 30.0
    idle_seconds: float = 240.0  # IDLE is renewed, and the connection checked with NOOP, this often
    poll_seconds: float = 30.0  # without IDLE, the folder is searched this often
    first_backoff: float = 1.0
    max_backoff: float = 60.0
    batch_mails: int = 50  # three response lines each: well within aioimaplib's recursion per response
    batch_bytes: int = 16 * 1024 * 1024


class MailboxState(Protocol):
    """Where a watcher keeps its checkpoint and attachments, and says how it is doing."""

    async def checkpoint(self, mailbox: str) -> Checkpoint | None:
        """The saved checkpoint, if any."""

    async def save_checkpoint(self, mailbox: str, checkpoint: Checkpoint) -> None:
        """Save the checkpoint durably."""

    async def keep_attachments(self, attachments: list[Attachment]) -> None:
        """Store the bytes of attachments durably, by content hash."""

    async def report(self, mailbox: str, *, connected: bool, error: str | None) -> None:
        """Record whether the mailbox is reachable, for /healthz."""

    async def record_rejections(self, mailbox: str, rejections: list[Rejection]) -> None:
        """Keep the mails that were not accepted, with why, where operators can find them."""


@dataclass(frozen=True)
class Rejection:
    """A mail that was not accepted: where it is in its folder, and why."""

    uidvalidity: int
    uid: int
    reason: str
    detail: str


Publish = Callable[[list[InboundMessage]], Awaitable[None]]


class MailboxWatcher:
    """Publishes every mail of one mailbox folder once, IDLE where offered, polling otherwise."""

    def __init__(  # noqa: PLR0913 - a watcher's whole configuration
        self,
        mailbox: Mailbox,
        state: MailboxState,
        publish: Publish,
        *,
        crm_address: str = "",
        limits: MailLimits | None = None,
        timing: Timing | None = None,
        senders: Routing | None = None,
    ) -> None:
        self.mailbox = mailbox
        self._state = state
        self._publish = publish
        # ``senders`` says whose authentication results, and which senders, are believed.
        self._routing = replace(
            senders or Routing(), own_addresses=frozenset({mailbox.address.lower()}), crm_address=crm_address
        )
        self._limits = limits or MailLimits()
        self._timing = timing or Timing()
        self._log = log.bind(mailbox=mailbox.name)
        self.published = 0
        self.connected = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until ``stop`` is set; reconnect with growing, jittered waits after any failure."""
        backoff = self._timing.first_backoff
        while not stop.is_set():
            session = ImapSession(
                self.mailbox.host, self.mailbox.port, tls=self.mailbox.tls, timeout=self._timing.command_timeout
            )
            try:
                await self._watch(session, stop)
            except Exception as failure:  # noqa: BLE001 - whatever failed, the watcher retries and says so
                self.connected.clear()
                wait = backoff * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not secrecy
                error = str(failure) if isinstance(failure, ImapFailure) else f"{type(failure).__name__}: {failure}"
                event = "mailbox_unreachable" if isinstance(failure, ImapFailure) else "mailbox_failed"
                self._log.warning(event, error=error, retry_in=round(wait, 2))
                await self._report(connected=False, error=error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
                backoff = min(backoff * 2, self._timing.max_backoff)
            else:
                backoff = self._timing.first_backoff
            finally:
                await session.close()

    async def _watch(self, session: ImapSession, stop: asyncio.Event) -> None:
        folder = await session.open(self.mailbox.username, self.mailbox.password, self.mailbox.folder)
        self._log.info("mailbox_connected", uidvalidity=folder.uidvalidity, mails=folder.exists, idle=session.can_idle)
        await self._report(connected=True, error=None)
        self.connected.set()
        checkpoint = await self._catch_up(session, folder, await self._state.checkpoint(self.mailbox.name))
        while not stop.is_set():
            if session.can_idle:
                await self._idle(session, stop)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(first_of(stop.wait(), session.lost.wait()), self._timing.poll_seconds)
            if stop.is_set():
                return
            # A stalled connection answers nothing: NOOP with a timeout replaces it.
            await session.noop()
            checkpoint = await self._catch_up(session, folder, checkpoint)

    async def _idle(self, session: ImapSession, stop: asyncio.Event) -> None:
        idling = asyncio.ensure_future(session.wait_for_news(self._timing.idle_seconds))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({idling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not idling.done():
            idling.cancel()
            with contextlib.suppress(asyncio.CancelledError, ImapFailure):
                await idling
            return
        idling.result()  # raises the session's failure, if any

    async def _catch_up(self, session: ImapSession, folder: FolderState, saved: Checkpoint | None) -> Checkpoint:
        """Publish every mail after the checkpoint; on first connect or a new UIDVALIDITY, the window's mail."""
        if saved is not None and saved.uidvalidity == folder.uidvalidity:
            windowed = False
            checkpoint = saved
            uids = await session.uids_from(saved.last_uid + 1)
        else:
            windowed = True
            if saved is not None:
                self._log.warning(
                    "mailbox_uidvalidity_changed", was=saved.uidvalidity, now=folder.uidvalidity, resync=True
                )
            checkpoint = Checkpoint(folder.uidvalidity, 0)
            since = datetime.now(tz=UTC) - timedelta(days=self.mailbox.collect_days)
            uids = await session.uids_since((since.day, since.month, since.year))
        stored = saved
        for batch, size in await self._batches(session, uids):
            checkpoint = stored = await self._ingest(session, folder.uidvalidity, batch, size, checkpoint)
        if windowed and folder.uidnext:
            # Every mail the folder held at SELECT was read if in the window, and is outside it for good if not.
            checkpoint = Checkpoint(folder.uidvalidity, max(checkpoint.last_uid, folder.uidnext - 1))
        if checkpoint != stored:
            await self._state.save_checkpoint(self.mailbox.name, checkpoint)
        return checkpoint

    async def _batches(self, session: ImapSession, uids: list[int]) -> list[tuple[list[int], int]]:
        """UIDs in batches bounded by count and by bytes, with their bytes; sizes asked before downloading."""
        batches: list[tuple[list[int], int]] = []
        # aioimaplib reads a response one recursive call per line: a few hundred lines per command at most.
        step = SIZES_PER_COMMAND
        for start in range(0, len(uids), step):
            sizes = await session.sizes(uids[start : start + step])
            batch: list[int] = []
            total = 0
            for uid in uids[start : start + step]:
                size = sizes.get(uid, 0)
                if batch and (len(batch) >= self._timing.batch_mails or total + size > self._timing.batch_bytes):
                    batches.append((batch, total))
                    batch, total = [], 0
                batch.append(-uid if size > self._limits.max_total_bytes else uid)  # negative: too large
                total += size if size <= self._limits.max_total_bytes else 0
            if batch:
                batches.append((batch, total))
        return batches

    async def _ingest(
        self, session: ImapSession, uidvalidity: int, batch: list[int], size: int, checkpoint: Checkpoint
    ) -> Checkpoint:
        rejections = [
            Rejection(uidvalidity, -u, "too_large", "over the size limit, not fetched") for u in batch if u < 0
        ]
        fetched = await session.fetch([u for u in batch if u > 0], size)
        # Parsing hostile mail can take a while: off the event loop, so IDLE, replies and the widget go on.
        outcomes = await asyncio.to_thread(lambda: [self._accept(mail, uidvalidity) for mail in fetched])
        accepted = [o for o in outcomes if isinstance(o, tuple)]
        rejections += [o for o in outcomes if isinstance(o, Rejection)]
        for rejection in rejections:
            self._log.warning("mail_rejected", uid=rejection.uid, reason=rejection.reason, detail=rejection.detail)
        messages = [message for message, _ in accepted]
        attachments = [a for _, found in accepted for a in found if a.content is not None]
        if rejections:
            await self._state.record_rejections(self.mailbox.name, rejections)
        if attachments:
            await self._state.keep_attachments(attachments)
        if messages:
            await self._publish(messages)
            self.published += len(messages)
        checkpoint = Checkpoint(uidvalidity, max(checkpoint.last_uid, *(abs(u) for u in batch)))
        await self._state.save_checkpoint(self.mailbox.name, checkpoint)
        return checkpoint

    def _accept(
        self, mail: FetchedMail, uidvalidity: int
    ) -> tuple[InboundMessage, tuple[Attachment, ...]] | Rejection | None:
        """The inbound message of a mail, why it was rejected, or None if excluded; bad mail never stops the rest."""
        try:
            parsed = parse_mail(mail.raw, self._limits)
            message = to_inbound(parsed, self.mailbox.name, datetime.now(tz=UTC), self._routing)
        except MailRejected as rejected:
            return Rejection(uidvalidity, mail.uid, rejected.reason_code, rejected.detail)
        except DomainError as invalid:
            return Rejection(uidvalidity, mail.uid, "invalid", str(invalid))
        sender = message.sender.value
        if sender == self.mailbox.address.lower() or self.mailbox.excludes(sender):
            self._log.info("mail_excluded", uid=mail.uid, message_id=message.channel_message_id)
            return None
        return message, parsed.attachments

    async def _report(self, *, connected: bool, error: str | None) -> None:
        # Health is best effort: the database being away must not stop the mail.
        try:
            await self._state.report(self.mailbox.name, connected=connected, error=error)
        except Exception as failure:  # noqa: BLE001
            self._log.warning("mailbox_health_unrecorded", error=str(failure) or type(failure).__name__)
