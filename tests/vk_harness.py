"""The VK channel running in the test's event loop: its webhook server and tasks, with what it publishes
going straight into the inbox (the router's own use case) instead of through Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr

from application.event_store import EventStore
from application.receive_messages import receive_messages
from application.receiving import Outcome
from bench.waiting import until
from devstack.vk import LocalVk
from domain.delivery_report import DeliveryReport
from domain.inbound import InboundMessage
from services.ingest.messengers import run_messengers
from services.settings import Settings, VkCommunitySettings

GROUP = 777
TOKEN = "community-token-do-not-log"
SECRET = "callback-secret-do-not-log"
CONFIRMATION = "c0nf1rm"


def with_community(settings: Settings, vk: LocalVk, **overrides: Any) -> Settings:
    """The settings with one community, ``shop``, on the fake VK."""
    fields: dict[str, Any] = {
        "name": "shop",
        "group_id": GROUP,
        "token": SecretStr(TOKEN),
        "secret": SecretStr(SECRET),
        "confirmation": CONFIRMATION,
        "api_base_url": vk.api_url,
    }
    fields.update(overrides)
    return settings.model_copy(update={"vk_communities": [VkCommunitySettings(**fields)]})


@dataclass
class Inbox:
    """What the channel published, and what the inbox did with it."""

    published: list[InboundMessage] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    reports: list[DeliveryReport] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    # Set to hold publishing (a broker that has not acknowledged yet), or to make it fail.
    hold: asyncio.Event | None = None
    failing: Exception | None = None

    @property
    def stored(self) -> int:
        return sum(1 for o in self.outcomes if o is Outcome.STORED)

    async def until(self, what: Callable[[Inbox], bool], timeout: float = 30.0) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: what(self)), timeout)


@dataclass
class Channel:
    """The running VK channel: post to its endpoint as VK would."""

    settings: Settings
    inbox: Inbox
    http: httpx.AsyncClient
    stopping: asyncio.Event
    running: asyncio.Task[None]

    async def post(self, body: bytes | dict[str, Any], community: str = "shop", **options: Any) -> httpx.Response:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await self.http.post(f"/vk/{community}", content=content, **options)

    async def stop(self) -> None:
        """Stop the channel as its process would on SIGTERM."""
        self.stopping.set()
        await asyncio.wait_for(self.running, 30)


@contextlib.asynccontextmanager
async def vk_channel(settings: Settings, store: EventStore, pool: asyncpg.Pool) -> AsyncIterator[Channel]:
    """Run ingest's messenger part with ``settings``; published messages are received by the inbox at once."""
    inbox = Inbox()

    async def publish(message: InboundMessage) -> None:
        if inbox.hold is not None:
            await inbox.hold.wait()
        if inbox.failing is not None:
            raise inbox.failing
        results = await asyncio.to_thread(receive_messages, store, [message])
        async with inbox.changed:
            inbox.published.append(message)
            inbox.outcomes.extend(r.outcome for r in results)
            inbox.changed.notify_all()

    async def report(outcome: DeliveryReport) -> None:
        async with inbox.changed:
            inbox.reports.append(outcome)
            inbox.changed.notify_all()

    stop = asyncio.Event()
    running = asyncio.create_task(run_messengers(settings, pool, publish, report, stop))
    base = f"http://{settings.http_host}:{settings.webhooks_port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        if any(c.mode == "callback" for c in settings.vk_communities):
            await until(_answering(http, running), 30, "the webhook server to answer")
        try:
            yield Channel(settings, inbox, http, stop, running)
        finally:
            stop.set()
            await asyncio.wait_for(running, 30)


def _answering(http: httpx.AsyncClient, running: asyncio.Task[None]) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        if running.done():
            running.result()  # raises what stopped it
            msg = "the messengers stopped before serving"
            raise AssertionError(msg)
        try:
            await http.get("/")
        except httpx.TransportError:
            return False
        return True

    return check


async def customer_messages(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """Every message a customer wrote or edited, as its event in the event store, oldest first."""
    rows = await pool.fetch(
        "SELECT convert_from(state, 'UTF8')::jsonb AS data FROM switchboard_events"
        " WHERE topic LIKE '%Conversation.CustomerWrote' OR topic LIKE '%Conversation.CustomerMessageEdited'"
        " ORDER BY notification_id"
    )
    return [json.loads(row["data"]) for row in rows]
