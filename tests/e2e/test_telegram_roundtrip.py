"""A customer writes to the bot, an operator is told live and replies in the console, and the reply
goes out through the Bot API once, though ingest was killed between the message and the reply."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from bench.waiting import until
from services.projections.schema import LIVE_SCHEMA
from services.settings import Settings
from tests.e2e.test_webchat_roundtrip import next_frame, operator_socket
from tests.services_running import RunningServices, load_demo, services
from tests.telegram_api import FakeBotApi
from tests.telegram_running import SECRET, TOKEN, webhook_url, with_bot

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

WAIT = 30.0


def test_a_telegram_message_is_answered_through_the_bot_once_across_an_ingest_kill(
    settings: Settings, tmp_path: Path
) -> None:
    with FakeBotApi(TOKEN) as api:
        configured = with_bot(settings, api)
        load_demo(configured)
        with services(configured, tmp_path / "logs") as running:
            asyncio.run(roundtrip(configured, running, api))


async def post_update(settings: Settings, api: FakeBotApi, update_id: int, chat: int, text: str) -> None:
    """Post an update as Telegram does: again and again until it is answered 200."""
    update = {"update_id": update_id, "message": api.message(chat, text, message_id=update_id)}

    async def taken() -> bool:
        try:
            async with httpx.AsyncClient(timeout=WAIT) as client:
                response = await client.post(
                    webhook_url(settings), json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
        except httpx.TransportError:
            return False  # ingest is starting again
        assert response.status_code in {200, 503}, response.text
        return response.status_code == 200

    await until(taken, WAIT, f"update {update_id} to be taken", interval=0.2)


async def customer_message(socket: ClientConnection, text: str) -> None:
    """Wait for the customer's message with ``text``, past the frames of others."""
    while True:
        message = (await next_frame(socket, "message"))["message"]
        if message["author"] == "customer" and message["text"] == text:
            return


async def delivery(pool: asyncpg.Pool, conversation_id: str) -> tuple[str, str] | None:
    row = await pool.fetchrow(
        f"SELECT delivery, delivery_detail FROM {LIVE_SCHEMA}.messages"
        " WHERE conversation_id = $1 AND author = 'manager' AND delivery IS NOT NULL",
        uuid.UUID(conversation_id),
    )
    return (row["delivery"], row["delivery_detail"]) if row else None


async def roundtrip(settings: Settings, running: RunningServices, api: FakeBotApi) -> None:
    report: Any = await running.healthy()
    assert report["checks"]["telegram"]["bots"]["shop"] == {
        **report["checks"]["telegram"]["bots"]["shop"],
        "ok": True,
        "mode": "webhook",
        "state": "serving",
    }
    anna = await operator_socket(settings, "anna@example.com")
    boris = await operator_socket(settings, "boris@example.com")
    await post_update(settings, api, 1, 42, "/start spring-sale")

    waits = {asyncio.ensure_future(next_frame(s, "conversation")): s for s in (anna, boris)}
    done, pending = await asyncio.wait(waits, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
    assert done, "no operator was told of the Telegram message"
    for wait in pending:
        wait.cancel()
    first = done.pop()
    holder = waits[first]
    conversation = first.result()["conversation"]
    assert (conversation["channel"], conversation["address"]) == ("telegram", "telegram:shop:42")
    assert (await next_frame(holder, "message"))["message"]["text"] == "/start spring-sale"

    # Ingest dies between the customer's message and the operator's reply.
    running.kill("ingest")
    running.start("ingest")
    await running.healthy()
    await post_update(settings, api, 1, 42, "/start spring-sale")  # Telegram's retry of an unanswered call
    await post_update(settings, api, 2, 42, "Do you deliver to Riga?")
    await customer_message(holder, "Do you deliver to Riga?")

    await holder.send(
        json.dumps(
            {"type": "reply", "conversation_id": conversation["id"], "text": "Yes, in two days.", "request_id": "r1"}
        )
    )
    assert (await next_frame(holder, "ack"))["request_id"] == "r1"
    (sent,) = await asyncio.to_thread(api.wait_for_sent, 1, WAIT)
    assert (sent.chat_id, sent.text) == (42, "Yes, in two days.")

    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        assert await until(lambda: delivery(pool, conversation["id"]), WAIT, "the reply shown as sent") == (
            "sent",
            "1 message(s) sent",
        )
        source = await pool.fetchval(
            "SELECT convert_from(state, 'UTF8')::jsonb ->> 'source' FROM switchboard_events"
            " WHERE topic LIKE '%Lead.Created'"
        )
        assert source == "shop/spring-sale"
        wrote = await pool.fetchval(
            "SELECT count(*) FROM switchboard_events WHERE topic LIKE '%Conversation.CustomerWrote'"
        )
        assert wrote == 2  # the retried update was stored once

        # Killed again after the reply went out: started again, it sends nothing twice.
        running.kill("ingest")
        running.start("ingest")
        await running.healthy()
        await post_update(settings, api, 3, 42, "Thanks!")
        await customer_message(holder, "Thanks!")
        assert len(api.sent) == 1
    finally:
        await pool.close()
    for socket in (anna, boris):
        await socket.close()


def test_a_customer_who_blocked_the_bot_is_shown_as_not_reached_with_the_reason(
    settings: Settings, tmp_path: Path
) -> None:
    with FakeBotApi(TOKEN) as api:
        api.blocked.add(43)
        configured = with_bot(settings, api)
        load_demo(configured)
        with services(configured, tmp_path / "logs") as running:
            asyncio.run(blocked(configured, running, api))


async def blocked(settings: Settings, running: RunningServices, api: FakeBotApi) -> None:
    await running.healthy()
    director = await operator_socket(settings, "clara@example.com")
    await post_update(settings, api, 1, 43, "hello")
    conversation = (await next_frame(director, "conversation"))["conversation"]
    await director.send(
        json.dumps({"type": "reply", "conversation_id": conversation["id"], "text": "Hello!", "request_id": "r1"})
    )
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        shown = await until(lambda: delivery(pool, conversation["id"]), WAIT, "the reply shown as not delivered")
    finally:
        await pool.close()
    assert shown == ("refused", "Forbidden: bot was blocked by the user")
    assert api.sent == []
    await director.close()
