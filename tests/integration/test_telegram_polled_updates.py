"""What long polling brings is taken as the webhook's is: an edit as an edit, files fetched, and an update
that can never be taken passed without holding up the ones after it."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from bench.waiting import until
from services.settings import Settings
from tests.telegram_api import FakeBotApi
from tests.telegram_running import TOKEN, WAIT, ingest_and_router, stored_messages, with_bot

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(120)]


async def test_a_polled_batch_keeps_edits_files_and_the_updates_after_a_refused_one(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    with FakeBotApi(TOKEN) as api:
        configured = with_bot(settings, api, "polling", telegram_poll_seconds=1)
        api.add_file("voice-1", b"OggS voice")
        api.add_update(TOKEN, {"message": api.message(42, "helo", message_id=1)})
        api.add_update(TOKEN, {"message": api.message(42, "nul \x00 here", message_id=2)})
        api.add_update(TOKEN, {"callback_query": {"id": "9", "from": {"id": 42, "is_bot": False, "first_name": "I"}}})
        edit = api.message(42, "hello", message_id=1, edit_date=api.message(42, "")["date"] + 5)
        api.add_update(TOKEN, {"edited_message": edit})
        voice = {"file_id": "voice-1", "file_unique_id": "uv1", "duration": 2, "mime_type": "audio/ogg"}
        api.add_update(TOKEN, {"message": api.message(42, None, message_id=3, voice=voice)})
        async with ingest_and_router(configured):

            async def stored() -> list[dict[str, Any]] | None:
                found = await stored_messages(pool)
                return found if len(found) >= 3 else None

            first, edited, voiced = await until(stored, WAIT, "the message, its edit and the voice note")
            await until(lambda: _confirmed(api), WAIT, "every update to be confirmed to Telegram")
    assert (first["kind"], first["channel_message_id"], first["text"]) == ("CustomerWrote", "shop:42:1", "helo")
    assert (edited["kind"], edited["edit_of"], edited["text"]) == ("CustomerMessageEdited", "shop:42:1", "hello")
    (attachment,) = voiced["attachments"]
    assert (attachment["filename"], attachment["content_type"], attachment["kept"]) == ("voice.ogg", "audio/ogg", True)
    assert await pool.fetchval("SELECT content FROM attachments WHERE sha256 = $1", attachment["sha256"]) == (
        b"OggS voice"
    )
    assert len(await stored_messages(pool)) == 3


async def _confirmed(api: FakeBotApi) -> bool:
    return api.pending(TOKEN) == []
