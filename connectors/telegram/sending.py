"""Sending a reply to a customer's chat: its text split at Telegram's limit, then its files, each part once.

Telegram takes at most 4,096 characters in a message, counted in UTF-16 code units; a longer
reply goes out in parts, cut at a line break or a space where one is near the end. Each part's
outcome says whether it may be sent again: a 429 names when (``retry_after``), a refusal (the
customer blocked the bot) is final, and a part that may have reached Telegram is never repeated.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot, InputFile
from telegram.error import RetryAfter, TelegramError

from connectors.telegram.api import Failure, failure_of, scrubbed

MAX_MESSAGE_UNITS = 4096


@dataclass(frozen=True)
class PartSent:
    """Telegram took the part; its message id in the chat."""

    message_id: int


@dataclass(frozen=True)
class PartNotSent:
    """Telegram did not take the part: why, and whether and when it may be sent again."""

    failure: Failure
    detail: str
    retry_after: float | None = None  # seconds Telegram asked us to wait (429)


def split_text(text: str, limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """The parts of ``text`` to send, each at most ``limit`` UTF-16 code units; none for blank text."""
    parts: list[str] = []
    rest = text.strip()
    while rest:
        end = _fitting(rest, limit)
        if end < len(rest):
            # Cut at the last line break, else the last space, in the second half of what fits.
            window = rest[end // 2 : end]
            cut = max(window.rfind("\n"), -1)
            if cut < 0:
                cut = window.rfind(" ")
            if cut >= 0:
                end = end // 2 + cut + 1
        parts.append(rest[:end].rstrip())
        rest = rest[end:].lstrip()
    return parts


def _fitting(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 code units (a pair is never cut)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1  # noqa: PLR2004 - past the BMP, a surrogate pair
        if units > limit:
            return index
    return len(text)


async def send_part(bot: Bot, chat_id: int, text: str) -> PartSent | PartNotSent:
    """Send one part; the outcome says what Telegram did with it."""
    try:
        sent = await bot.send_message(chat_id=chat_id, text=text)
    except RetryAfter as flood:
        return PartNotSent(Failure.NOT_SENT, scrubbed(flood, bot.token), _seconds(flood))
    except TelegramError as error:
        return PartNotSent(failure_of(error), scrubbed(error, bot.token))
    return PartSent(sent.message_id)


async def send_file(bot: Bot, chat_id: int, filename: str, content: bytes) -> PartSent | PartNotSent:
    """Send one file of a reply as a document; the outcome says what Telegram did with it."""
    try:
        sent = await bot.send_document(chat_id=chat_id, document=InputFile(content, filename=filename or "file"))
    except RetryAfter as flood:
        return PartNotSent(Failure.NOT_SENT, scrubbed(flood, bot.token), _seconds(flood))
    except TelegramError as error:
        return PartNotSent(failure_of(error), scrubbed(error, bot.token))
    return PartSent(sent.message_id)


def _seconds(flood: RetryAfter) -> float:
    with warnings.catch_warnings():
        # The library warns that the attribute will become a timedelta; both are read here.
        warnings.simplefilter("ignore")
        value = flood.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
