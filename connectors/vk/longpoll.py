"""The Bots Long Poll of one community: events asked for from a checkpoint, the checkpoint moved after.

``groups.getLongPollServer`` gives a server, a key and the current ``ts``; asking the server with
``act=a_check`` returns the events after ``ts`` and the next ``ts``. The events are published
first and the new ``ts`` saved only then, so a poller stopped at any point asks again from the
last saved ``ts``: events may come twice (the inbox stores each once), never not at all. As VK
documents ``failed``: 1, the history is out of date, go on from the ``ts`` given; 2, the key has
expired, get a new key and keep ``ts``; 3, the information is lost, get a new key and ``ts``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import httpx
import structlog

from connectors.vk.api import CommunityApi, LongPollServer
from connectors.vk.callback import MAX_DEPTH
from connectors.vk.events import CustomerWrote, InvalidEvent, read_event
from domain import json_input
from domain.errors import InvalidInboundMessage

log = structlog.get_logger()

Accept = Callable[[CustomerWrote], Awaitable[None]]
LoadCheckpoint = Callable[[], Awaitable[str | None]]
SaveCheckpoint = Callable[[str], Awaitable[None]]


class Report(Protocol):
    """Says how the poller is doing: ok or not, what it is doing, and the error if any."""

    async def __call__(self, *, ok: bool, state: str, error: str | None) -> None:
        """Record the state."""


OUT_OF_DATE, KEY_EXPIRED, INFORMATION_LOST = 1, 2, 3


class LongPollFailed(Exception):
    """The long poll server answered something VK does not document."""


class LongPoller:
    """Polls one community's events and hands each customer message to ``accept``."""

    def __init__(  # noqa: PLR0913 - what the loop reads, writes and says
        self,
        name: str,
        group_id: int,
        api: CommunityApi,
        client: httpx.AsyncClient,
        wait: int,
        checkpoint: tuple[LoadCheckpoint, SaveCheckpoint],
        accept: Accept,
        report: Report,
        max_backoff: float = 60.0,
    ) -> None:
        self._name = name
        self._group_id = group_id
        self._api = api
        self._client = client
        self._wait = wait
        self._load, self._save = checkpoint
        self._accept = accept
        self._report = report
        self._max_backoff = max_backoff
        self._server: LongPollServer | None = None
        self._ts: str | None = None
        self._state: tuple[bool, str, str | None] | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; after a failure wait a little longer each time, then go on."""
        self._ts = await self._load()
        backoff = 1.0
        dropped = False
        while not stop.is_set():
            try:
                await self._poll_once()
                backoff, dropped = 1.0, False
            except Exception as error:  # noqa: BLE001 - VK, its file servers or Kafka away: asked again from ts
                if stop.is_set():
                    return  # a request cut short by stopping is no failure of VK's: the state stays as it was
                # Nothing after the saved ts was taken for done: it is asked for again.
                self._server = None
                problem = str(error) or type(error).__name__
                if isinstance(error, httpx.TransportError) and not dropped:
                    # A long poll's connection dropped once (a proxy's or the server's idle cut) is asked
                    # again at once; only a second failure in a row is VK away.
                    dropped = True
                    log.info("vk_long_poll_dropped", community=self._name, error=problem)
                    continue
                log.warning("vk_long_poll_failed", community=self._name, error=problem, retry_in=backoff)
                await self._say(ok=False, state="reconnecting", error=problem)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, self._max_backoff)

    async def _poll_once(self) -> None:
        if self._server is None:
            self._server = await self._api.long_poll_server(self._group_id)
            if self._ts is None:  # the first start: from now on
                self._ts = self._server.ts
                await self._save(self._ts)
        await self._say(ok=True, state="polling", error=None)
        answer = await self._check(self._server, self._ts or self._server.ts)
        failed = answer.get("failed")
        if failed is None:
            updates = answer.get("updates")
            if not isinstance(updates, list) or "ts" not in answer:
                raise LongPollFailed("an answer without ts and updates")
            await self._take(updates)
            self._ts = str(answer["ts"])
            await self._save(self._ts)
        elif failed == OUT_OF_DATE and "ts" in answer:
            log.warning("vk_long_poll_history_lost", community=self._name, ts=self._ts, new_ts=str(answer["ts"]))
            self._ts = str(answer["ts"])
            await self._save(self._ts)
        elif failed == KEY_EXPIRED:
            server = await self._api.long_poll_server(self._group_id)
            self._server = LongPollServer(server.server, server.key, self._ts or server.ts)
        elif failed == INFORMATION_LOST:
            self._server = await self._api.long_poll_server(self._group_id)
            log.warning("vk_long_poll_history_lost", community=self._name, ts=self._ts, new_ts=self._server.ts)
            self._ts = self._server.ts
            await self._save(self._ts)
        else:
            raise LongPollFailed(f"failed {failed!r}, which VK does not document")

    async def _check(self, server: LongPollServer, ts: str) -> dict[str, Any]:
        params = {"act": "a_check", "key": server.key, "ts": ts, "wait": str(self._wait)}
        response = await self._client.get(server.server, params=params, timeout=self._wait + 10)
        response.raise_for_status()
        try:
            answer = json_input.loads(response.content, max_depth=MAX_DEPTH)
        except ValueError:  # UnicodeDecodeError and TooDeep are ValueErrors too
            raise LongPollFailed("an answer that is not UTF-8 JSON, or nests too deeply") from None
        if not isinstance(answer, dict):
            raise LongPollFailed("an answer that is not a JSON object")
        return answer

    async def _take(self, updates: list[Any]) -> None:
        """Publish every customer message among ``updates``; an event the inbox refuses is logged and skipped."""
        messages: list[CustomerWrote] = []
        for update in updates:
            event_id = update.get("event_id") if isinstance(update, dict) else None
            try:
                event = read_event(update, self._group_id)
            except InvalidEvent as invalid:
                log.warning("vk_event_refused", community=self._name, event_id=event_id, reason=str(invalid))
                continue
            if isinstance(event, CustomerWrote):
                messages.append(event)
        # A customer's messages are published in the order they wrote them; customers side by side.
        dialogs: dict[int, list[CustomerWrote]] = {}
        for message in messages:
            dialogs.setdefault(message.peer_id, []).append(message)
        await asyncio.gather(*(self._accept_in_order(dialog) for dialog in dialogs.values()))

    async def _accept_in_order(self, dialog: list[CustomerWrote]) -> None:
        for message in dialog:
            try:
                await self._accept(message)
            except (InvalidInboundMessage, InvalidEvent) as invalid:
                log.warning(
                    "vk_event_refused", community=self._name, message_id=message.message_id, reason=str(invalid)
                )

    async def _say(self, *, ok: bool, state: str, error: str | None) -> None:
        if self._state != (ok, state, error):
            await self._report(ok=ok, state=state, error=error)
            self._state = (ok, state, error)
