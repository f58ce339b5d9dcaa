"""The bots' webhook: ``POST /telegram/{bot}``, answered 200 only once the update is safely taken.

Telegram calls it with each update and the bot's secret token in ``X-Telegram-Bot-Api-Secret-Token``.
Every refusal is answered before anything is taken, so it changes nothing:

- 404 for a bot that is not configured, 401 when the secret is missing or wrong (compared in
  constant time, before the body is read), 413 for a body over the limit, 415 for a Content-Type
  other than JSON,
- 400 for a body that is not UTF-8 JSON, nests too deeply, or is not an update (the field is named),
  and for a message whose text the text rule refuses,
- 503 when the update could not be handed on (Kafka or the Bot API unreachable): Telegram sends it
  again later.

Updates that carry nothing for the inbox (a button press, a group message) get 200 and are logged:
Telegram sends any update again until it gets a 2xx, and these would never be taken.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import structlog
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.request_body import BodyTooLarge, WrongMediaType, check_media_type, read_within
from connectors.telegram.updates import CustomerMessage, Ignored, InvalidUpdate, TryLater, read_update
from domain import json_input
from domain.errors import InvalidInboundMessage

log = structlog.get_logger()

SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name, not a secret


Accept = Callable[[CustomerMessage], Awaitable[None]]


@dataclass(frozen=True)
class WebhookBot:
    """A bot whose updates come by webhook: its secret, and what takes a customer's message."""

    name: str
    secret: str
    accept: Accept


def webhook_routes(bots: Mapping[str, WebhookBot], max_body_bytes: int) -> list[Route]:
    """The webhook route for the given bots (none when no bot takes webhooks)."""
    if not bots:
        return []

    async def receive(request: Request) -> Response:
        name = request.path_params["bot"]
        bot = bots.get(name)
        if bot is None:
            return _answer(404, "no bot of that name takes updates here", unread=True)
        given = request.headers.get(SECRET_HEADER, "")
        # Starlette decodes headers as Latin-1, so encoding them back gives the bytes that were sent.
        if not hmac.compare_digest(given.encode("latin-1"), bot.secret.encode()):
            log.warning("telegram_webhook_refused", bot=name, reason="secret token missing or wrong")
            return _answer(401, "the secret token is missing or wrong", unread=True)
        try:
            check_media_type(request, "application/json")
            body = await read_within(request, max_body_bytes)
        except WrongMediaType as wrong:
            return _answer(415, str(wrong), unread=True)
        except BodyTooLarge:
            return _answer(413, f"the update is over the limit of {max_body_bytes} bytes", unread=True)
        except ClientDisconnect:
            return Response(status_code=400)
        return await _take(bot, body)

    return [Route("/telegram/{bot}", receive, methods=["POST"])]


async def _take(bot: WebhookBot, body: bytes) -> Response:
    try:
        # Decoded as UTF-8 only: json.loads would take UTF-16 and UTF-32 bytes too, which Telegram never sends.
        data = json_input.loads(body.decode("utf-8"))
        update = read_update(data)
    except (ValueError, RecursionError) as error:  # InvalidUpdate and UnicodeDecodeError are ValueErrors
        detail = str(error) if isinstance(error, InvalidUpdate) else "send UTF-8 JSON, not nested too deeply"
        log.warning("telegram_update_refused", bot=bot.name, reason=detail)
        return _answer(400, detail)
    if isinstance(update, Ignored):
        log.info("telegram_update_ignored", bot=bot.name, update_id=update.update_id, reason=update.reason)
        return JSONResponse({"ok": True, "ignored": update.reason})
    try:
        await bot.accept(update)
    except InvalidInboundMessage as refused:
        log.warning("telegram_update_refused", bot=bot.name, update_id=update.update_id, reason=str(refused))
        return _answer(400, str(refused))
    except TryLater as later:
        log.warning("telegram_update_deferred", bot=bot.name, update_id=update.update_id, reason=str(later))
        return _answer(503, "the update cannot be taken now; send it again later")
    return JSONResponse({"ok": True})


def _answer(status: int, error: str, *, unread: bool = False) -> Response:
    # ASCII-escaped, so any text quoted in the error can be encoded. With the body left unread the
    # connection cannot carry another request.
    headers = {"connection": "close"} if unread else None
    body = json.dumps({"ok": False, "error": error})
    return Response(body, status_code=status, media_type="application/json", headers=headers)
