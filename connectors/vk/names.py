"""Customers' names, asked of VK and kept for a while.

VK lets a community token make 20 calls a second, shared with its replies; a burst of new customers
would queue behind it one call each. So the names missing at one moment are asked for together, in
one ``users.get`` of up to 1,000 ids, and each user is asked for once however many of their messages
wait. A name is a courtesy for operators: when VK does not answer, the messages go on without one
rather than waiting, and the next message asks again.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable

import structlog

from connectors.vk.api import CommunityApi, VkError, VkUnavailable
from domain.inbound import MAX_NAME_LENGTH
from domain.text import TextKind, is_clean

log = structlog.get_logger()

MAX_IDS_PER_CALL = 1000  # what users.get takes


class SenderNames:
    """First and last names by VK user id, cached (at most ``max_entries``, each for ``ttl`` seconds)."""

    def __init__(
        self,
        api: CommunityApi,
        max_entries: int = 10_000,
        ttl: float = 24 * 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api = api
        self._max_entries = max_entries
        self._ttl = ttl
        self._clock = clock
        self._names: OrderedDict[int, tuple[str, float]] = OrderedDict()
        self._asked: dict[int, asyncio.Future[str]] = {}  # users whose name is being asked for
        self._wanted: list[int] = []  # users to ask for in the next call
        self._asking: asyncio.Task[None] | None = None

    async def name(self, user_id: int) -> str:
        """The user's name, from the cache or from ``users.get``; empty when VK does not say."""
        cached = self._names.get(user_id)
        if cached is not None and cached[1] > self._clock():
            self._names.move_to_end(user_id)
            return cached[0]
        answer = self._asked.get(user_id)
        if answer is None:
            answer = self._asked[user_id] = asyncio.get_running_loop().create_future()
            self._wanted.append(user_id)
            if self._asking is None or self._asking.done():
                self._asking = asyncio.create_task(self._ask())
        return await asyncio.shield(answer)

    async def _ask(self) -> None:
        await asyncio.sleep(0)  # the misses of this moment join the call
        while self._wanted:
            batch, self._wanted = self._wanted[:MAX_IDS_PER_CALL], self._wanted[MAX_IDS_PER_CALL:]
            try:
                names = await self._api.user_names(batch)
            except (VkError, VkUnavailable) as error:
                log.warning("vk_sender_names_unknown", users=len(batch), error=str(error))
                self._answer(batch, {}, keep=False)
            except BaseException:
                self._answer(batch, {}, keep=False)
                raise
            else:
                self._answer(batch, names, keep=True)

    def _answer(self, batch: list[int], names: dict[int, str], *, keep: bool) -> None:
        for user_id in batch:
            name = names.get(user_id, "")[:MAX_NAME_LENGTH]
            if not is_clean(name, TextKind.LINE):
                name = ""
            if keep:
                self._names[user_id] = (name, self._clock() + self._ttl)
                self._names.move_to_end(user_id)
            answer = self._asked.pop(user_id, None)
            if answer is not None and not answer.done():
                answer.set_result(name)
        while len(self._names) > self._max_entries:
            self._names.popitem(last=False)
