"""Telegram bots configured against the local Bot API, and ingest and the router running in the test."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any, Literal

import asyncpg
import httpx
from pydantic import SecretStr

from bench.waiting import until
from services.ingest.service import run as run_ingest
from services.router.service import run as run_router
from services.settings import Settings, TelegramBotSettings
from tests.telegram_api import FakeBotApi

TOKEN = "123456:shop-bot-token-that-must-never-be-logged"
SECRET = "webhook-secret-that-must-never-be-logged"
WAIT = 30.0


def with_bot(
    settings: Settings, api: FakeBotApi, mode: Literal["webhook", "polling"] = "webhook", **changes: Any
) -> Settings:
    """The settings with the bot ``shop`` on the local Bot API."""
    bot = TelegramBotSettings(
        name="shop", token=SecretStr(TOKEN), mode=mode, secret_token=SecretStr(SECRET), api_url=api.url
    )
    return settings.model_copy(update={"telegram_bots": [bot], **changes})


@contextlib.asynccontextmanager
async def ingest_and_router(settings: Settings, *, router: bool = True) -> AsyncIterator[None]:
    """Ingest (and the router) running until the block ends; a webhook bot's webhook answering before it starts."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(run_ingest(settings, stop))]
    if router:
        tasks.append(asyncio.create_task(run_router(settings, stop)))

    async def listening() -> bool:
        for task in tasks:
            if task.done():
                task.result()  # a service that failed to start says why
        try:
            async with httpx.AsyncClient() as client:
                await client.post(webhook_url(settings, "probe"))
        except httpx.TransportError:
            return False
        return True

    if any(bot.mode == "webhook" for bot in settings.telegram_bots):
        await until(listening, WAIT, "the webhook to listen")
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), WAIT)


def webhook_url(settings: Settings, bot: str = "shop") -> str:
    """Where Telegram posts the bot's updates."""
    return f"http://127.0.0.1:{settings.webhooks_port}/telegram/{bot}"


async def stored_messages(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """Every customer's message and edit the router stored, in order: (kind, id, text)."""
    try:
        rows = await pool.fetch(
            "SELECT topic, convert_from(state, 'UTF8')::jsonb AS state FROM switchboard_events"
            " WHERE topic LIKE '%Conversation.CustomerWrote' OR topic LIKE '%Conversation.CustomerMessageEdited'"
            " ORDER BY notification_id"
        )
    except asyncpg.UndefinedTableError:
        return []
    return [{"kind": r["topic"].rsplit(".", 1)[-1], **json.loads(r["state"])} for r in rows]
