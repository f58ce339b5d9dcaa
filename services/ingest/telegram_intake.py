"""Taking a customer's Telegram message: its files into the attachment store, then onto Kafka.

Both ways in end here, the webhook (one update per call) and long polling (a batch per call).
The message's text is checked before any file is fetched, so a refused message costs nothing;
the files are stored before the message is published, so an operator never sees a file that is
not there yet. Whatever is unreachable (Kafka, PostgreSQL, the Bot API) becomes ``TryLater``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import asyncpg
import structlog
from aiokafka.errors import KafkaError
from telegram import Bot

from connectors.telegram.files import FileUnavailable, fetch_file, not_kept
from connectors.telegram.inbound import to_inbound
from connectors.telegram.updates import CustomerMessage, Ignored, InvalidUpdate, TryLater, read_update
from domain.errors import InvalidInboundMessage
from domain.inbound import InboundMessage
from services.ingest.telegram_state import TelegramState

log = structlog.get_logger()

Publish = Callable[[InboundMessage], Awaitable[None]]
_UNAVAILABLE = (KafkaError, OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class Intake:
    """Takes customers' messages to the configured bots."""

    def __init__(self, bots: Mapping[str, Bot], state: TelegramState, publish: Publish, max_file_bytes: int) -> None:
        self._bots = bots
        self._state = state
        self._publish = publish
        self._max_file_bytes = max_file_bytes

    async def accept(self, bot: str, message: CustomerMessage) -> None:
        """Store the message's files and publish it; returns once Kafka has it.

        InvalidInboundMessage when its text is refused; TryLater when something needed is unreachable.
        """
        # Checked first with stand-ins for the files: a refused message fetches nothing.
        to_inbound(bot, message, tuple(not_kept(ref, 0).attachment for ref in message.files))
        try:
            fetched = [await fetch_file(self._bots[bot], ref, self._max_file_bytes) for ref in message.files]
            kept = [(f.attachment.sha256, f.content) for f in fetched if f.content is not None]
            if kept:
                await self._state.keep_files(kept)
            inbound = to_inbound(bot, message, tuple(f.attachment for f in fetched))
            await self._publish(inbound)
        except FileUnavailable as unavailable:
            raise TryLater(f"a file could not be fetched: {unavailable}") from None
        except _UNAVAILABLE as error:
            raise TryLater(str(error) or type(error).__name__) from None
        log.info(
            "telegram_message_accepted",
            bot=bot,
            update_id=message.update_id,
            channel_message_id=inbound.channel_message_id,
            edit=message.edited,
            files=len(fetched),
        )

    async def accept_batch(self, bot: str, updates: list[dict[str, Any]]) -> None:
        """Take a batch from ``getUpdates``; an update that can never be taken is logged and passed.

        Returns once every message of the batch is on Kafka; TryLater if any is not.
        """
        chats: dict[int, list[CustomerMessage]] = {}
        for data in updates:
            try:
                update = read_update(data)
            except InvalidUpdate as invalid:
                log.warning("telegram_update_refused", bot=bot, update_id=data.get("update_id"), reason=str(invalid))
                continue
            if isinstance(update, Ignored):
                log.info("telegram_update_ignored", bot=bot, update_id=update.update_id, reason=update.reason)
                continue
            chats.setdefault(update.chat_id, []).append(update)
        # Chats side by side, each chat's messages in order: an edit never overtakes what it edits.
        results = await asyncio.gather(
            *(self._accept_chat(bot, chat) for chat in chats.values()), return_exceptions=True
        )
        failed = next((r for r in results if isinstance(r, BaseException)), None)
        if failed is not None:
            raise failed

    async def _accept_chat(self, bot: str, messages: list[CustomerMessage]) -> None:
        for message in messages:
            try:
                await self.accept(bot, message)
            except InvalidInboundMessage as refused:
                log.warning("telegram_update_refused", bot=bot, update_id=message.update_id, reason=str(refused))
