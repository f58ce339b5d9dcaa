"""The Bot API client of one bot (python-telegram-bot), and what its errors mean for us.

The token is part of every URL the library calls; it never reaches a log or a health report:
``scrubbed`` takes it out of any error text before that text goes anywhere.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass

import httpx
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

# httpx errors raised before a request left this machine: nothing reached Telegram.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class Failure(enum.Enum):
    """What a failed Bot API call means for trying it again."""

    NOT_SENT = "not_sent"  # the request never reached Telegram, or was turned away: safe to send again
    REFUSED = "refused"  # Telegram answered no, for good (blocked, chat gone, bad request)
    UNCERTAIN = "uncertain"  # the request may have been taken: sending again could repeat it


@dataclass(frozen=True)
class BotConnection:
    """A bot's client and its HTTP connections, closed together."""

    bot: Bot
    _requests: tuple[HTTPXRequest, HTTPXRequest]

    async def close(self) -> None:
        """Close the bot's HTTP connections."""
        await asyncio.gather(*(request.shutdown() for request in self._requests))


def connect_bot(token: str, api_url: str, *, timeout: float) -> BotConnection:
    """A bot on ``api_url`` (Telegram's, or a local Bot API server) with bounded waits.

    Long polling asks for a longer read timeout on its own calls. The library's client for its own
    get_updates, which is not used, is given here only so that it is closed with the rest.
    """
    base = api_url.rstrip("/")
    requests = (
        HTTPXRequest(connection_pool_size=8, connect_timeout=timeout, read_timeout=timeout),
        HTTPXRequest(connection_pool_size=1),
    )
    bot = Bot(
        token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=requests[0],
        get_updates_request=requests[1],
    )
    return BotConnection(bot, requests)


def failure_of(error: TelegramError) -> Failure:
    """Whether a failed call may be made again, and whether it may have been taken."""
    if isinstance(error, Forbidden | BadRequest | ChatMigrated):
        return Failure.REFUSED
    if isinstance(error, InvalidToken | Conflict):
        return Failure.NOT_SENT  # the bot's configuration refused it before anything was done
    if isinstance(error, NetworkError) and isinstance(error.__cause__, _NOT_SENT):
        return Failure.NOT_SENT
    return Failure.UNCERTAIN


def scrubbed(error: BaseException, token: str) -> str:
    """The error's text, without the token if it quotes a URL that carries it."""
    text = str(error) or type(error).__name__
    return text.replace(token, "<token>") if token else text
