"""When the gateway was told of each message: the projection's notification, heard by the bench too.

The gateway and the bench LISTEN on the same channel, so the moment the bench hears a
notification is the moment the gateway could start pushing it; push latency after it is
the gateway's own share of the time (with the sockets' and the client's).
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Self

import asyncpg

from bench.console import Tally
from domain.live_update import InvalidLiveUpdate, ReadModelsChanged
from services.projections.schema import LIVE_SCHEMA
from services.projections.tracking import NOTIFY_CHANNEL
from services.settings import Settings


class Notifications:
    """Records the time each message's notification arrived, while the block runs."""

    def __init__(self, settings: Settings) -> None:
        self._url = settings.database_url
        self._conn: asyncpg.Connection | None = None
        self.heard: dict[int, float] = {}  # message notification id -> time.time() it was heard

    async def __aenter__(self) -> Self:
        self._conn = await asyncpg.connect(self._url)
        await self._conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._conn is not None:
            await self._conn.close()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        heard = time.time()
        try:
            changed = ReadModelsChanged.from_payload(str(payload))
        except InvalidLiveUpdate:
            return
        for notification_id in changed.message_notification_ids:
            self.heard.setdefault(notification_id, heard)

    async def after_notification(self, pool: asyncpg.Pool, tally: Tally) -> list[float]:
        """Seconds from each message's notification to each of its pushes (messages never notified are left out)."""
        rows = await pool.fetch(
            f"SELECT message_id, notification_id, at FROM {LIVE_SCHEMA}.messages"
            " WHERE message_id = ANY($1::text[]) AND author = 'customer'",
            list(tally.latencies),
        )
        spans = []
        for row in rows:
            heard = self.heard.get(row["notification_id"])
            if heard is None:
                continue
            published = row["at"].timestamp()
            spans += [published + latency - heard for latency in tally.latencies[row["message_id"]]]
        return spans
