"""The Bots Long Poll against a server speaking its wire format: events stored once, the checkpoint
saved after they are published, ``failed`` 1, 2 and 3 handled as VK documents, one poller per community."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiokafka.errors import KafkaTimeoutError
from structlog.testing import capture_logs

from application.event_store import EventStore
from bench.waiting import until
from devstack.vk import LocalVk
from devstack.vk_events import message_new, message_reply
from services.settings import Settings
from tests.vk_harness import GROUP, TOKEN, Channel, customer_messages, vk_channel, with_community

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(180)]

CUSTOMER = 501


@pytest_asyncio.fixture
async def vk() -> AsyncIterator[LocalVk]:
    fake = LocalVk()
    fake.community(GROUP, TOKEN)
    fake.users[CUSTOMER] = ("Ivan", "Petrov")
    with fake.running():
        yield fake


def polling(settings: Settings, vk: LocalVk) -> Settings:
    configured = with_community(settings, vk, mode="longpoll", secret="", confirmation="")
    return configured.model_copy(update={"vk_longpoll_wait_seconds": 1})


async def checkpoint(pool: asyncpg.Pool) -> str | None:
    if await pool.fetchval("SELECT to_regclass('vk_checkpoints')") is None:
        return None
    value = await pool.fetchval("SELECT ts FROM vk_checkpoints WHERE community = 'shop'")
    return str(value) if value is not None else None


async def started(pool: asyncpg.Pool) -> str:
    """Wait until the poller has taken its place: the first start saves the server's ts."""
    return await until(lambda: checkpoint(pool), 30, "the long poll to save its first checkpoint")


def messages(first: int, count: int) -> list[dict[str, Any]]:
    return [message_new(GROUP, n, CUSTOMER, f"message {n}") for n in range(first, first + count)]


async def stored_texts(pool: asyncpg.Pool) -> list[str]:
    return [m["text"] for m in await customer_messages(pool)]


async def test_events_are_stored_once_and_a_restart_goes_on_from_the_checkpoint(
    settings: Settings, vk: LocalVk, store: EventStore, pool: asyncpg.Pool
) -> None:
    vk.push(GROUP, *messages(0, 2))  # before the first start: not the inbox's to read
    configured = polling(settings, vk)
    async with vk_channel(configured, store, pool) as channel:
        assert await started(pool) == "2"
        vk.push(GROUP, *messages(2, 3), message_reply(GROUP, 99, CUSTOMER, "ours"))
        await channel.inbox.until(lambda inbox: inbox.stored == 3)
        await until(lambda: _equals(checkpoint(pool), "6"), 30, "the checkpoint to move past the events")
    vk.push(GROUP, *messages(5, 2))  # while ingest is stopped
    async with vk_channel(configured, store, pool) as channel:
        await channel.inbox.until(lambda inbox: inbox.stored == 2)
        await until(lambda: _equals(checkpoint(pool), "8"), 30, "the checkpoint to move past the events")
        assert [m.text for m in channel.inbox.published] == ["message 5", "message 6"]
    assert await stored_texts(pool) == [f"message {n}" for n in range(2, 7)]
    state = await pool.fetchrow("SELECT ok, state FROM vk_community_health WHERE community = 'shop'")
    assert (state["ok"], state["state"]) == (True, "polling")


async def _equals(value: Any, expected: str) -> bool:
    return await value == expected


async def test_the_checkpoint_stays_until_kafka_has_the_events(
    settings: Settings, vk: LocalVk, store: EventStore, pool: asyncpg.Pool
) -> None:
    async with vk_channel(polling(settings, vk), store, pool) as channel:
        before = await started(pool)
        channel.inbox.failing = KafkaTimeoutError()
        vk.push(GROUP, *messages(0, 3))
        await asyncio.to_thread(vk.wait_for_calls, "users.get", 1)
        with capture_logs() as logs:
            await until(lambda: _logged(logs, "vk_long_poll_failed"), 30, "the poll to fail on Kafka")
        assert await checkpoint(pool) == before
        channel.inbox.failing = None
        await channel.inbox.until(lambda inbox: inbox.stored == 3)
        await until(lambda: _equals(checkpoint(pool), "3"), 30, "the checkpoint to move")
    assert await stored_texts(pool) == ["message 0", "message 1", "message 2"]


async def _logged(logs: list[dict[str, Any]], event: str) -> bool:
    return any(entry["event"] == event for entry in logs)


async def test_failed_2_gets_a_new_key_and_keeps_ts(
    settings: Settings, vk: LocalVk, store: EventStore, pool: asyncpg.Pool
) -> None:
    async with vk_channel(polling(settings, vk), store, pool) as channel:
        await started(pool)
        vk.new_key(GROUP)  # the poller's key expires: the server answers {"failed": 2}
        vk.push(GROUP, *messages(0, 2))
        await channel.inbox.until(lambda inbox: inbox.stored == 2)
    assert len(vk.calls_of("groups.getLongPollServer")) == 2
    assert await stored_texts(pool) == ["message 0", "message 1"]


async def test_failed_1_goes_on_from_the_ts_given(
    settings: Settings, vk: LocalVk, store: EventStore, pool: asyncpg.Pool
) -> None:
    configured = polling(settings, vk)
    async with vk_channel(configured, store, pool):
        await started(pool)
    vk.push(GROUP, *messages(0, 2))
    vk.forget_history(GROUP)  # while stopped, the history of those two is lost: {"failed": 1, "ts": 2}
    vk.push(GROUP, *messages(2, 1))
    with capture_logs() as logs:
        async with vk_channel(configured, store, pool) as channel:
            await channel.inbox.until(lambda inbox: inbox.stored == 1)
    assert await stored_texts(pool) == ["message 2"]
    lost = [entry for entry in logs if entry["event"] == "vk_long_poll_history_lost"]
    assert [(entry["ts"], entry["new_ts"]) for entry in lost] == [("0", "2")]


async def test_failed_3_gets_a_new_key_and_ts(
    settings: Settings, vk: LocalVk, store: EventStore, pool: asyncpg.Pool
) -> None:
    async with vk_channel(polling(settings, vk), store, pool) as channel:
        await started(pool)
        vk.push(GROUP, *messages(0, 1))
        await channel.inbox.until(lambda inbox: inbox.stored == 1)
        vk.push(GROUP, *messages(1, 2))  # lost to {"failed": 3}
        vk.fail_next_check(GROUP, {"failed": 3})
        await asyncio.to_thread(vk.wait_for_calls, "groups.getLongPollServer", 2)
        vk.push(GROUP, *messages(3, 1))
        await channel.inbox.until(lambda inbox: inbox.stored == 2)
    assert await stored_texts(pool) == ["message 0", "message 3"]


async def test_an_event_the_inbox_refuses_is_skipped_and_the_others_kept(
    settings: Settings, vk: LocalVk, store: EventStore, pool: asyncpg.Pool
) -> None:
    async with vk_channel(polling(settings, vk), store, pool) as channel:
        await started(pool)
        broken = message_new(GROUP, 1, CUSTOMER, "NUL \x00")
        no_id = message_new(GROUP, 2, CUSTOMER, "x")
        del no_id["object"]["message"]["id"]
        vk.push(
            GROUP,
            message_new(GROUP, 0, CUSTOMER, "before"),
            broken,
            no_id,
            "junk",
            message_new(GROUP, 3, CUSTOMER, "after"),
        )  # type: ignore[arg-type]
        await channel.inbox.until(lambda inbox: inbox.stored == 2)
        await until(lambda: _equals(checkpoint(pool), "5"), 30, "the checkpoint to move past them all")
    assert await stored_texts(pool) == ["before", "after"]


async def test_one_poller_per_community_and_another_takes_over_at_the_checkpoint(
    settings: Settings, vk: LocalVk, store: EventStore, pool: asyncpg.Pool
) -> None:
    configured = polling(settings, vk)
    other_pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    assert other_pool is not None
    try:
        async with vk_channel(configured, store, pool) as first:
            await started(pool)
            second_running = vk_channel(configured.model_copy(update={"webhooks_port": _free()}), store, other_pool)
            async with second_running as second:
                vk.push(GROUP, *messages(0, 3))
                await first.inbox.until(lambda inbox: inbox.stored == 3)
                await until(lambda: _equals(checkpoint(pool), "3"), 30, "the checkpoint to move past them")
                assert second.inbox.published == []
                await first_stops(first)
                vk.push(GROUP, *messages(3, 2))
                await second.inbox.until(lambda inbox: inbox.stored == 2, timeout=60)
                assert [m.text for m in second.inbox.published] == ["message 3", "message 4"]
    finally:
        await other_pool.close()
    assert await stored_texts(pool) == [f"message {n}" for n in range(5)]


async def first_stops(channel: Channel) -> None:
    """Stop the first channel's messengers, as a process that stops, leaving the other running."""
    await channel.stop()


def _free() -> int:
    from devstack.ports import free_port  # noqa: PLC0415

    return free_port()
