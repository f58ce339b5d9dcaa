"""Long polling: ``getUpdates`` from the saved offset, the offset moved only after the updates are taken.

Telegram keeps an update until a ``getUpdates`` call asks for offsets past it, so the offset is
the checkpoint: saved only once every update before it was taken (on Kafka), a crash takes
some updates again (the router stores each once) and never skips one. An update that can never
be taken (malformed, or its text refused) is logged and passed, so it cannot hold up the bot.

Updates are fetched as the Bot API's JSON, not as the library's objects: the library refuses
an update it cannot build (one of a type newer than it), and one such update would stop the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from telegram import Bot
from telegram.error import TelegramError
from telegram.warnings import PTBUserWarning

from connectors.telegram.api import scrubbed
from connectors.telegram.updates import TryLater

log = structlog.get_logger()

ALLOWED_UPDATES = ("message", "edited_message")
# The library suggests its own get_updates, which parses the updates into its objects.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)


class Offsets(Protocol):
    """Where each bot's polling stands: the next update id to ask for."""

    async def offset(self, bot: str) -> int | None:
        """The saved offset, if any."""

    async def save_offset(self, bot: str, offset: int) -> None:
        """Save the offset; it never moves back."""


class StateReport(Protocol):
    """Where a bot's health is told."""

    async def __call__(self, bot: str, state: str, error: str | None) -> None:
        """Record the bot's state, with the error if it is failing."""


# Takes a batch of raw updates; returns once all are on Kafka (or passed as never takeable).
TakeUpdates = Callable[[list[dict[str, Any]]], Awaitable[None]]


@dataclass(frozen=True)
class PollTiming:
    """How long one call waits for updates, and how long to wait after a failure at most."""

    poll_seconds: int = 25
    read_timeout: float = 10.0  # beyond the long poll, for the answer to arrive
    max_backoff: float = 60.0
    batch: int = 100


class Poller:
    """Polls one bot's updates and hands them on, checkpoint by checkpoint."""

    def __init__(  # noqa: PLR0913
        self, name: str, bot: Bot, offsets: Offsets, take: TakeUpdates, report: StateReport, timing: PollTiming
    ) -> None:
        self.name = name
        self._bot = bot
        self._offsets = offsets
        self._take = take
        self._report = report
        self._timing = timing

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; failures are reported and waited out with growing pauses."""
        failures = 0
        reported = ""
        while not stop.is_set():
            try:
                await self._poll_once(stop)
            except (TelegramError, TryLater, OSError, TimeoutError) as error:
                failures += 1
                detail = scrubbed(error, self._bot.token)
                wait = min(self._timing.max_backoff, 2 ** min(failures - 1, 10)) * random.uniform(0.5, 1.0)  # noqa: S311
                log.warning("telegram_polling_failed", bot=self.name, error=detail, retry_in=round(wait, 1))
                await self._report(self.name, "failing", detail)
                reported = "failing"
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
                continue
            failures = 0
            if reported != "polling":
                await self._report(self.name, "polling", None)
                reported = "polling"

    async def _poll_once(self, stop: asyncio.Event) -> None:
        offset = await self._offsets.offset(self.name)
        asked: dict[str, Any] = {
            "limit": self._timing.batch,
            "timeout": self._timing.poll_seconds,
            "allowed_updates": list(ALLOWED_UPDATES),
        }
        if offset is not None:
            asked["offset"] = offset
        polling = asyncio.ensure_future(
            self._bot.do_api_request(
                "getUpdates", api_kwargs=asked, read_timeout=self._timing.poll_seconds + self._timing.read_timeout
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not polling.done():
            # Stopped while waiting: what the call brings is left for the next poller at the same offset.
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await polling
            return
        updates = polling.result()
        if not isinstance(updates, list) or not updates:
            return
        await self._take([update for update in updates if isinstance(update, dict)])
        ids = [u["update_id"] for u in updates if isinstance(u, dict) and type(u.get("update_id")) is int]
        if ids:
            await self._offsets.save_offset(self.name, max(ids) + 1)
