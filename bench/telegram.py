"""``switchboard-bench telegram``: updates/s through a bot's webhook into the event store, beside the
inbound topic's own rate measured in the same run.

The run starts its own PostgreSQL and Kafka and the real ingest and router processes with one webhook
bot, then posts ``updates`` Bot API updates to ``/telegram/shop``, ``concurrency`` at a time (Telegram
opens up to 40 connections to a webhook), from ``customers`` private chats. It reports:

- answered: updates/s answered 200, each only once Kafka had it (acks=all);
- stored: updates/s from the first post until every update is a ``CustomerWrote`` event, then checked
  stored exactly once;
- the inbound topic's own rate: the same messages published straight to a topic of the same shape, with
  the product's producer settings and the same concurrency, nothing else in the way.

The bot's Bot API is not reachable in the run (receiving needs none); ingest logs that it cannot check
the token, which changes nothing measured.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr

from bench.cluster import Cluster
from bench.supervisor import Supervisor
from bench.team import hire
from bench.waiting import until
from connectors.telegram.inbound import to_inbound
from connectors.telegram.updates import CustomerMessage, read_update
from devstack.ports import free_port
from services.bootstrap import build_producer
from services.settings import Settings, TelegramBotSettings
from services.topics import Topics, create_topics

SECRET = "bench-webhook-secret"
MANAGERS = 4
BIG_CAPACITY = 10_000_000
WAIT_SECONDS = 300.0
Job = Callable[[], Awaitable[None]]


def run_telegram_bench(*, updates: int, concurrency: int, customers: int, output: Path) -> int:
    """Run the benchmark, print its figures and write them as JSON to ``output``."""
    cluster = Cluster("tgbench")
    cluster.start()
    try:
        figures = asyncio.run(_measure(cluster, updates, concurrency, customers))
    finally:
        cluster.stop()
    print(f"telegram webhook, {updates:,} updates from {customers:,} chats, {concurrency} at a time:")
    print(f"  answered 200 (on Kafka, acks=all)    {figures['answered_per_second']:10,.0f} updates/s")
    print(f"  webhook -> event store, stored once  {figures['stored_per_second']:10,.0f} updates/s")
    print(f"  inbound topic's own rate, same run   {figures['inbound_topic_per_second']:10,.0f} records/s")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {output}")
    cluster.remove()
    return 0 if figures["stored_once"] else 1


def update(n: int, customers: int) -> dict[str, Any]:
    """The ``n``-th customer's message of the run, as Telegram posts it."""
    chat = 10_000 + n % customers
    return {
        "update_id": 500_000 + n,
        "message": {
            "message_id": n + 1,
            "from": {"id": chat, "is_bot": False, "first_name": "Customer", "last_name": str(chat)},
            "chat": {"id": chat, "type": "private"},
            "date": int(time.time()),
            "text": f"Question {n}: do you deliver to Riga, and how long does it take?",
        },
    }


async def _measure(cluster: Cluster, updates: int, concurrency: int, customers: int) -> dict[str, Any]:
    bot = TelegramBotSettings(
        name="shop",
        token=SecretStr("100000:bench-token"),
        secret_token=SecretStr(SECRET),
        api_url=f"http://127.0.0.1:{free_port()}",
    )
    settings = cluster.settings.model_copy(update={"telegram_bots": [bot]})
    await create_topics(settings)
    await hire(settings, (BIG_CAPACITY,) * MANAGERS)
    bodies = [update(n, customers) for n in range(updates)]
    supervisor = Supervisor(settings.environment(), cluster.logs, settings.console_url)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    url = f"http://127.0.0.1:{settings.webhooks_port}/telegram/shop"
    try:
        supervisor.start("router")
        supervisor.start("ingest")
        await until(lambda: _listening(url, supervisor), 60, "the webhook to listen", 0.2)
        connections = [await _Connection.open(settings.webhooks_port) for _ in range(concurrency)]
        pending = iter(json.dumps(b).encode() for b in bodies)
        started = time.monotonic()
        await asyncio.gather(*(connection.post_all("/telegram/shop", pending) for connection in connections))
        answered = time.monotonic() - started
        for connection in connections:
            connection.close()

        async def all_stored() -> int | None:
            supervisor.require_running()
            count = await _stored(pool)
            return count if count >= updates else None

        await until(all_stored, WAIT_SECONDS, f"{updates:,} updates stored", 0.05)
        stored = time.monotonic() - started
        counts = await pool.fetchrow(
            "SELECT count(*) FILTER (WHERE topic LIKE '%Conversation.CustomerWrote') AS wrote,"
            " count(DISTINCT convert_from(state, 'UTF8')::jsonb ->> 'channel_message_id')"
            " FILTER (WHERE topic LIKE '%Conversation.CustomerWrote') AS ids,"
            " count(*) FILTER (WHERE topic LIKE '%MessageReceipt.Recorded') AS receipts FROM switchboard_events"
        )
        assert counts is not None
    finally:
        supervisor.stop_all()
        await pool.close()
    raw = await _inbound_topic_rate(settings, bodies, concurrency)
    return {
        "updates": updates,
        "concurrency": concurrency,
        "customers": customers,
        "answered_per_second": updates / answered,
        "stored_per_second": updates / stored,
        "inbound_topic_per_second": raw,
        "stored_once": counts["wrote"] == counts["ids"] == counts["receipts"] == updates,
    }


async def _inbound_topic_rate(settings: Settings, bodies: list[dict[str, Any]], concurrency: int) -> float:
    """Records/s published straight to an inbound topic of the same shape, as ingest publishes them."""
    raw = settings.model_copy(update={"topic_prefix": f"{settings.topic_prefix}raw"})
    await create_topics(raw)
    topic = Topics.named(raw.topic_prefix).inbound
    records = []
    for body in bodies:
        message = read_update(body)
        assert isinstance(message, CustomerMessage)
        inbound = to_inbound("shop", message)
        records.append((json.dumps(inbound.to_dict()).encode(), inbound.key.encode()))
    producer = build_producer(raw)
    await producer.start()
    try:
        started = time.monotonic()

        async def publish(value: bytes, key: bytes) -> None:
            await producer.send_and_wait(topic, value, key=key)

        await _in_parallel(concurrency, [functools.partial(publish, v, k) for v, k in records])
        return len(records) / (time.monotonic() - started)
    finally:
        await producer.stop()


class _Connection:
    """One keep-alive HTTP/1.1 connection posting updates as Telegram does, light enough not to be measured.

    httpx spends more CPU per request than the webhook does, which would make the driver the bottleneck.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, port: int) -> _Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def post_all(self, path: str, bodies: Iterator[bytes]) -> None:
        """Post each body taken from ``bodies`` in turn; each must be answered 200."""
        for body in bodies:
            self._writer.write(
                f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            status = await self._reader.readline()
            length = 0
            while (line := await self._reader.readline()) not in {b"\r\n", b""}:
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            answer = await self._reader.readexactly(length)
            if not status.startswith(b"HTTP/1.1 200"):
                msg = f"the webhook answered {status!r}: {answer!r}"
                raise RuntimeError(msg)

    def close(self) -> None:
        """Close the connection."""
        self._writer.close()


async def _in_parallel(concurrency: int, jobs: list[Job]) -> None:
    """Run the jobs ``concurrency`` at a time, taken in the order of the list."""
    pending = iter(jobs)

    async def worker() -> None:
        for job in pending:
            await job()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _listening(url: str, supervisor: Supervisor) -> bool:
    supervisor.require_running()
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            await client.post(url.rsplit("/", 1)[0] + "/probe")
    except httpx.TransportError:
        return False
    return True


async def _stored(pool: asyncpg.Pool) -> int:
    try:
        return int(
            await pool.fetchval(
                "SELECT count(*) FROM switchboard_events WHERE topic LIKE '%Conversation.CustomerWrote'"
            )
        )
    except asyncpg.UndefinedTableError:
        return 0
