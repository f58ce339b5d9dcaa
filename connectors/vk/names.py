"""Customers' names, asked of VK once per user and kept for a while.

A name is a courtesy for operators: when VK does not answer, the message goes on without one
rather than waiting, and the next message asks again.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

import structlog

from connectors.vk.api import CommunityApi, VkError, VkUnavailable
from domain.inbound import MAX_NAME_LENGTH
from domain.text import TextKind, is_clean

log = structlog.get_logger()


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

    async def name(self, user_id: int) -> str:
        """The user's name, from the cache or from ``users.get``; empty when VK does not say."""
        cached = self._names.get(user_id)
        if cached is not None and cached[1] > self._clock():
            self._names.move_to_end(user_id)
            return cached[0]
        try:
            names = await self._api.user_names([user_id])
        except (VkError, VkUnavailable) as error:
            log.warning("vk_sender_name_unknown", user_id=user_id, error=str(error))
            return ""
        name = names.get(user_id, "")[:MAX_NAME_LENGTH]
        if not is_clean(name, TextKind.LINE):
            name = ""
        self._names[user_id] = (name, self._clock() + self._ttl)
        self._names.move_to_end(user_id)
        while len(self._names) > self._max_entries:
            self._names.popitem(last=False)
        return name
