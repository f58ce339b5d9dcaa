"""The Telegram channel in the ingest process: the bots' webhook, their pollers, the replies' queue and sender.

Nothing runs when no bot is configured. Every ingest process serves the webhook of every webhook
bot; each polling bot is polled by the one process holding its PostgreSQL advisory lock, and
another takes over at the saved offset when that one stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import asyncpg
import structlog
from telegram.error import TelegramError

from connectors.telegram.api import BotConnection, connect_bot, scrubbed
from connectors.telegram.polling import Poller, PollTiming
from connectors.telegram.webhook import Accept, WebhookBot, webhook_routes
from services.ingest.delivery_rows import ReportOutcome, Retries
from services.ingest.leading import leading, supervised
from services.ingest.messenger_parts import Close, Messenger, Publish
from services.ingest.telegram_intake import Intake
from services.ingest.telegram_replies import TelegramReplyQueue
from services.ingest.telegram_sender import TelegramSender
from services.ingest.telegram_state import TelegramState
from services.settings import Settings, TelegramBotSettings
from services.topics import Topics

log = structlog.get_logger()

API_TIMEOUT_SECONDS = 10.0
Part = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


async def start_telegram(
    settings: Settings, pool: asyncpg.Pool, publish: Publish, report: ReportOutcome
) -> list[Messenger]:
    """What the configured bots run: the webhook route, pollers, the reply queue and sender."""
    configs = settings.telegram_bots
    if not configs:
        return []
    names = [config.name for config in configs]
    if len(set(names)) != len(names):
        msg = "SWITCHBOARD_TELEGRAM_BOTS names a bot twice; each needs a name of its own"
        raise ValueError(msg)
    state = TelegramState(pool)
    await state.create({config.name: config.mode for config in configs})
    connections = {
        config.name: connect_bot(config.token.get_secret_value(), config.api_url, timeout=API_TIMEOUT_SECONDS)
        for config in configs
    }
    bots = {name: connection.bot for name, connection in connections.items()}
    intake = Intake(bots, state, publish, settings.attachment_max_bytes)
    hooks = {
        c.name: WebhookBot(c.name, c.secret_token.get_secret_value(), _accepting(intake, c.name))
        for c in configs
        if c.mode == "webhook"
    }
    queued = asyncio.Event()
    queue = TelegramReplyQueue(pool, settings, Topics.named(settings.topic_prefix).outbound, queued)
    retries = Retries(
        first_seconds=settings.telegram_retry_seconds,
        max_attempts=settings.telegram_max_attempts,
        lease_seconds=settings.telegram_send_lease_seconds,
    )
    sender = TelegramSender(pool, bots, report, retries, queued)
    parts: list[tuple[str, Part]] = [("reply queue", queue.run), ("sender", sender.run)]
    timing = PollTiming(poll_seconds=settings.telegram_poll_seconds, read_timeout=API_TIMEOUT_SECONDS)
    for config in configs:
        connection = connections[config.name]
        if config.mode == "webhook":
            parts.append((f"bot {config.name}", _checking(config, connection, state)))
        else:
            poller = Poller(config.name, connection.bot, state, _batches(intake, config.name), state.report, timing)
            parts.append((f"poller {config.name}", _polling(pool, poller)))
    tasks: list[Part] = [functools.partial(supervised, "telegram", name, part) for name, part in parts]
    routes = webhook_routes(hooks, settings.telegram_max_update_bytes)
    log.info("telegram_bots_configured", bots={config.name: config.mode for config in configs})
    closing: list[Close] = [connection.close for connection in connections.values()]
    return [Messenger("telegram", list(routes), tasks, closing)]


def _accepting(intake: Intake, bot: str) -> Accept:
    return lambda message: intake.accept(bot, message)


def _batches(intake: Intake, bot: str) -> Callable[[list[dict[str, object]]], Awaitable[None]]:
    return lambda updates: intake.accept_batch(bot, updates)


def _checking(config: TelegramBotSettings, connection: BotConnection, state: TelegramState) -> Part:
    """A webhook bot's health: its token checked with getMe until the Bot API answers."""

    async def check(stop: asyncio.Event) -> None:
        wait = 1.0
        while not stop.is_set():
            try:
                await connection.bot.get_me()
            except (TelegramError, OSError) as error:
                detail = scrubbed(error, config.token.get_secret_value())
                log.warning("telegram_bot_unreachable", bot=config.name, error=detail, retry_in=wait)
                await state.report(config.name, "failing", detail)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
                wait = min(wait * 2, 60.0)
                continue
            await state.report(config.name, "serving", None)
            return

    return check


def _polling(pool: asyncpg.Pool, poller: Poller) -> Part:
    """Poll while this process holds the bot's lock: one poller per bot, however many ingests run."""
    key = f"telegram-bot:{poller.name}"
    return functools.partial(leading, pool, key, poller.run, elsewhere="telegram_bot_polled_elsewhere", bot=poller.name)
