"""A login, a session used and ended, and webhook calls (signed, forged, failing) leave no secret in the logs."""

from __future__ import annotations

import json
from uuid import uuid4

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from connectors.telegram.updates import CustomerMessage, TryLater
from connectors.telegram.webhook import WebhookBot, webhook_routes
from services.console.accounts import Role
from services.settings import Settings, TelegramBotSettings
from tests.integration.gateway_server import PASSWORD, add_operator, serving
from tests.log_capture import BOT_TOKEN, logs_written

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(180)]

WEBHOOK_SECRET = "tg-webhook-secret-4711"
SIGNING_KEY = "signing-key-for-this-test-0815"


async def test_login_session_and_webhook_flows_log_no_secret(settings: Settings) -> None:
    bot = TelegramBotSettings(
        name="shop", token=SecretStr(BOT_TOKEN), mode="webhook", secret_token=SecretStr(WEBHOOK_SECRET)
    )
    gateway_settings = settings.model_copy(update={"secret_key": SecretStr(SIGNING_KEY), "telegram_bots": [bot]})
    await add_operator(gateway_settings, "sigrid@example.com", uuid4(), Role.ADMIN)
    with logs_written(gateway_settings) as written:
        async with serving(gateway_settings), httpx.AsyncClient(base_url=gateway_settings.console_url) as http:
            wrong = await http.post("/api/login", json={"email": "sigrid@example.com", "password": "not-it-0000"})
            assert wrong.status_code == 401
            login = await http.post("/api/login", json={"email": "sigrid@example.com", "password": PASSWORD})
            assert login.status_code == 200, login.text
            token = login.json()["token"]
            bearer = {"Authorization": f"Bearer {token}"}
            assert (await http.get("/healthz", headers=bearer)).status_code in (200, 503)
            assert (await http.get("/api/conversations", headers=bearer)).status_code == 200
            assert (await http.post("/api/logout", headers=bearer)).status_code == 200
            assert (await http.get("/api/conversations", headers=bearer)).status_code == 401
        await _webhook_calls()
    lines = written()
    assert '"event": "login"' in lines  # the flow was logged at all
    assert "telegram_update_deferred" in lines
    for secret in (PASSWORD, "not-it-0000", token, SIGNING_KEY, BOT_TOKEN, WEBHOOK_SECRET, "forged-secret-x"):
        assert secret not in lines, f"a secret is in the logs:\n{lines}"


async def _webhook_calls() -> None:
    async def accept(_: CustomerMessage) -> None:
        # What a failing Bot API call says: its URL, with the bot's token in it.
        msg = f"Client error '502 Bad Gateway' for url 'https://api.telegram.org/bot{BOT_TOKEN}/getFile'"
        raise TryLater(msg)

    app = Starlette(routes=webhook_routes({"shop": WebhookBot("shop", WEBHOOK_SECRET, accept)}, 64 * 1024))
    update = {"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 42, "type": "private"}}}
    update["message"]["from"] = {"id": 42, "is_bot": False, "first_name": "Ivan"}  # type: ignore[index]
    update["message"]["text"] = "hello"  # type: ignore[index]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hook") as http:
        for secret in (WEBHOOK_SECRET, "forged-secret-x"):
            answer = await http.post(
                "/telegram/shop",
                content=json.dumps(update),
                headers={"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"},
            )
            assert answer.status_code == (503 if secret == WEBHOOK_SECRET else 401), answer.text
