"""The Callback API endpoint against the real inbox: confirmation, the secret, ``ok`` only once stored,
each event stored once, the sender's name from users.get, files kept, and our own messages left out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from aiokafka.errors import KafkaTimeoutError
from structlog.testing import capture_logs

from application.event_store import EventStore
from devstack.vk import LocalVk
from devstack.vk_events import message_edit, message_new, message_reply
from services.settings import Settings
from tests.vk_harness import CONFIRMATION, GROUP, SECRET, TOKEN, Channel, customer_messages, vk_channel, with_community

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

CUSTOMER = 501


@pytest_asyncio.fixture
async def vk() -> AsyncIterator[LocalVk]:
    fake = LocalVk()
    fake.community(GROUP, TOKEN)
    fake.users[CUSTOMER] = ("Ivan", "Petrov")
    with fake.running():
        yield fake


@pytest_asyncio.fixture
async def channel(settings: Settings, vk: LocalVk, store: EventStore, pool: asyncpg.Pool) -> AsyncIterator[Channel]:
    async with vk_channel(with_community(settings, vk), store, pool) as running:
        yield running


async def test_the_confirmation_request_gets_the_configured_string(channel: Channel) -> None:
    answer = await channel.post({"type": "confirmation", "group_id": GROUP})
    assert (answer.status_code, answer.text) == (200, CONFIRMATION)
    answer = await channel.post({"type": "confirmation", "group_id": GROUP, "secret": SECRET})
    assert (answer.status_code, answer.text) == (200, CONFIRMATION)
    answer = await channel.post({"type": "confirmation", "group_id": GROUP, "secret": "guess"})
    assert answer.status_code == 403


async def test_a_message_is_stored_once_however_often_vk_sends_it(channel: Channel, pool: asyncpg.Pool) -> None:
    event = message_new(GROUP, 15, CUSTOMER, "Do you deliver to Riga?", secret=SECRET)
    for _ in range(3):
        answer = await channel.post(event)
        assert (answer.status_code, answer.text) == (200, "ok")
    (stored,) = await customer_messages(pool)
    assert stored["text"] == "Do you deliver to Riga?"
    assert stored["sender_name"] == "Ivan Petrov"
    assert stored["source"] == "shop"
    assert stored["channel_message_id"] == f"{GROUP}:15"
    assert channel.inbox.stored == 1


async def test_ok_is_answered_only_once_the_message_is_published(channel: Channel, pool: asyncpg.Pool) -> None:
    channel.inbox.hold = asyncio.Event()
    answering = asyncio.create_task(channel.post(message_new(GROUP, 16, CUSTOMER, "hello", secret=SECRET)))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(answering), 1.0)
    assert not await customer_messages(pool)
    channel.inbox.hold.set()
    answer = await answering
    assert (answer.status_code, answer.text) == (200, "ok")
    assert len(await customer_messages(pool)) == 1


async def test_a_message_kafka_did_not_take_gets_503_and_is_stored_when_vk_sends_it_again(
    channel: Channel, pool: asyncpg.Pool
) -> None:
    event = message_new(GROUP, 17, CUSTOMER, "anyone?", secret=SECRET)
    channel.inbox.failing = KafkaTimeoutError()
    assert (await channel.post(event)).status_code == 503
    assert not await customer_messages(pool)
    channel.inbox.failing = None
    assert (await channel.post(event)).text == "ok"
    assert len(await customer_messages(pool)) == 1


async def test_the_senders_name_is_asked_of_vk_once(channel: Channel, vk: LocalVk, pool: asyncpg.Pool) -> None:
    for number in range(3):
        answer = await channel.post(message_new(GROUP, 20 + number, CUSTOMER, f"message {number}", secret=SECRET))
        assert answer.text == "ok"
    assert len(vk.calls_of("users.get")) == 1
    assert {m["sender_name"] for m in await customer_messages(pool)} == {"Ivan Petrov"}


async def test_our_own_messages_echoed_back_are_not_stored(channel: Channel, pool: asyncpg.Pool) -> None:
    answer = await channel.post(message_reply(GROUP, 30, CUSTOMER, "Yes, in two days.", secret=SECRET))
    assert (answer.status_code, answer.text) == (200, "ok")
    assert not await customer_messages(pool)


async def test_an_edit_is_stored_as_the_edit_of_its_message(channel: Channel, pool: asyncpg.Pool) -> None:
    await channel.post(message_new(GROUP, 40, CUSTOMER, "to Rga", secret=SECRET))
    edit = message_edit(GROUP, 40, CUSTOMER, "to Riga", update_time=1_767_225_900, secret=SECRET)
    assert (await channel.post(edit)).text == "ok"
    assert (await channel.post(edit)).text == "ok"
    original, edited = await customer_messages(pool)
    assert (original["channel_message_id"], edited["channel_message_id"]) == (
        f"{GROUP}:40",
        f"{GROUP}:40:edited:1767225900",
    )
    assert edited["text"] == "to Riga"


async def test_photos_documents_and_voice_messages_are_kept(channel: Channel, vk: LocalVk, pool: asyncpg.Pool) -> None:
    vk.files |= {"w.jpg": b"\xff\xd8photo", "invoice": b"%PDF-1.7 invoice", "voice.ogg": b"OggS voice"}
    attachments = [
        {
            "type": "photo",
            "photo": {
                "id": 1,
                "owner_id": CUSTOMER,
                "sizes": [{"type": "w", "url": f"{vk.base}/files/w.jpg", "width": 10, "height": 10}],
            },
        },
        {
            "type": "doc",
            "doc": {
                "id": 2,
                "owner_id": CUSTOMER,
                "title": "invoice",
                "ext": "pdf",
                "size": 16,
                "url": f"{vk.base}/files/invoice",
            },
        },
        {
            "type": "audio_message",
            "audio_message": {"id": 3, "owner_id": CUSTOMER, "duration": 2, "link_ogg": f"{vk.base}/files/voice.ogg"},
        },
        {
            "type": "doc",
            "doc": {
                "id": 4,
                "owner_id": CUSTOMER,
                "title": "gone",
                "ext": "txt",
                "size": 5,
                "url": f"{vk.base}/files/gone",
            },
        },
    ]
    event = message_new(GROUP, 50, CUSTOMER, "", attachments=attachments, secret=SECRET)
    assert (await channel.post(event)).text == "ok"
    (stored,) = await customer_messages(pool)
    described = {a["filename"]: a for a in stored["attachments"]}
    assert set(described) == {"photo501_1.jpg", "invoice.pdf", "audio_message501_3.ogg", "gone.txt"}
    kept = await pool.fetch("SELECT sha256, content FROM attachments")
    assert {bytes(r["content"]) for r in kept} == {b"\xff\xd8photo", b"%PDF-1.7 invoice", b"OggS voice"}
    assert described["invoice.pdf"]["content_type"] == "application/pdf"
    assert described["gone.txt"]["kept"] is False


async def test_files_over_the_limit_are_described_but_not_kept(
    settings: Settings, vk: LocalVk, store: EventStore, pool: asyncpg.Pool
) -> None:
    small = with_community(settings, vk).model_copy(update={"attachment_max_bytes": 8})
    vk.files |= {"big": b"x" * 100, "lying": b"y" * 100}
    attachments = [
        {
            "type": "doc",
            "doc": {
                "id": 1,
                "owner_id": CUSTOMER,
                "title": "big",
                "ext": "bin",
                "size": 100,
                "url": f"{vk.base}/files/big",
            },
        },
        {
            "type": "doc",
            "doc": {
                "id": 2,
                "owner_id": CUSTOMER,
                "title": "lying",
                "ext": "bin",
                "size": 3,
                "url": f"{vk.base}/files/lying",
            },
        },
    ]
    async with vk_channel(small, store, pool) as running:
        assert (
            await running.post(message_new(GROUP, 60, CUSTOMER, "files", attachments=attachments, secret=SECRET))
        ).text == "ok"
    (stored,) = await customer_messages(pool)
    assert [(a["filename"], a["kept"], a["size"]) for a in stored["attachments"]] == [
        ("big.bin", False, 100),
        ("lying.bin", False, 100),
    ]
    assert await pool.fetchval("SELECT count(*) FROM attachments") == 0


async def test_a_file_server_that_fails_gets_503_so_vk_sends_the_event_again(
    channel: Channel, vk: LocalVk, pool: asyncpg.Pool
) -> None:
    vk.files["flaky"] = 502
    attachments = [
        {
            "type": "doc",
            "doc": {
                "id": 1,
                "owner_id": CUSTOMER,
                "title": "f",
                "ext": "txt",
                "size": 2,
                "url": f"{vk.base}/files/flaky",
            },
        }
    ]
    event = message_new(GROUP, 70, CUSTOMER, "file", attachments=attachments, secret=SECRET)
    assert (await channel.post(event)).status_code == 503
    assert not await customer_messages(pool)
    vk.files["flaky"] = b"ok"
    assert (await channel.post(event)).text == "ok"
    assert len(await customer_messages(pool)) == 1


async def test_neither_the_token_nor_the_secret_is_logged(channel: Channel) -> None:
    with capture_logs() as logs:
        await channel.post(message_new(GROUP, 80, CUSTOMER, "hi", secret=SECRET))
        await channel.post(message_new(GROUP, 81, CUSTOMER, "hi", secret="wrong"))
    assert logs
    assert not [entry for entry in logs if TOKEN in repr(entry) or SECRET in repr(entry)]
