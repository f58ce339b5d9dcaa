"""A customer's edit in the read models: the message shows the edited text and when it was edited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from application.event_store import EventStore
from application.receive_messages import receive_messages
from domain.channels import Channel, ChannelAddress
from domain.inbound import InboundMessage
from services.projections.schema import LIVE_SCHEMA
from services.settings import Settings
from tests.projected import project

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def telegram(message_id: str, text: str, *, edit_of: str = "", minutes: int = 0) -> InboundMessage:
    return InboundMessage(
        channel=Channel.TELEGRAM,
        channel_message_id=message_id,
        thread="shop:42",
        sender=ChannelAddress(Channel.TELEGRAM, "shop:42"),
        text=text,
        received_at=SENT + timedelta(minutes=minutes),
        source="shop",
        edit_of=edit_of,
    )


async def test_an_edit_changes_the_message_and_the_preview_and_adds_no_message(
    settings: Settings, store: EventStore, pool: asyncpg.Pool
) -> None:
    receive_messages(store, [telegram("shop:42:1", "helo"), telegram("shop:42:2", "anyone?", minutes=1)])
    receive_messages(store, [telegram("shop:u9", "hello", edit_of="shop:42:1", minutes=2)])
    receive_messages(store, [telegram("shop:u10", "anyone there?", edit_of="shop:42:2", minutes=3)])
    await project(settings, store)

    rows = await pool.fetch(f"SELECT message_id, text, edited_at FROM {LIVE_SCHEMA}.messages ORDER BY notification_id")
    assert [(r["message_id"], r["text"], r["edited_at"]) for r in rows] == [
        ("shop:42:1", "hello", SENT + timedelta(minutes=2)),
        ("shop:42:2", "anyone there?", SENT + timedelta(minutes=3)),
    ]
    conversation = await pool.fetchrow(f"SELECT message_count, last_message FROM {LIVE_SCHEMA}.conversations")
    assert conversation is not None
    assert (conversation["message_count"], conversation["last_message"]) == (2, "anyone there?")
