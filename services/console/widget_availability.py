"""``GET /api/widget/availability``: whether anyone can chat now, as the widget asks before offering the chat.

The route is public and asked by every visitor's page, so its answer is computed at most once per
``widget_availability_seconds`` on each gateway, however many ask (concurrent askers wait for the one
computation), and browsers may keep it as long. It says only ``{"available": true|false}``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = structlog.get_logger()


class WidgetAvailability:
    """The cached answer to 'is anyone available', recomputed when older than ``seconds``."""

    def __init__(
        self, compute: Callable[[], bool], seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._compute = compute
        self._seconds = seconds
        self._clock = clock
        self._lock = asyncio.Lock()
        self._answer: bool | None = None
        self._at = 0.0

    async def available(self) -> bool:
        """The latest answer, recomputed (once, however many wait) when it is too old."""
        async with self._lock:
            if self._answer is None or self._clock() - self._at >= self._seconds:
                try:
                    self._answer = await asyncio.to_thread(self._compute)
                except Exception as error:  # noqa: BLE001 - the chat stays offered: messages become leads either way
                    log.warning("widget_availability_failed", error=str(error) or type(error).__name__)
                    self._answer = True  # kept as long as an answer: a failing store is not asked per visitor
                self._at = self._clock()
            return self._answer

    async def route(self, _: Request) -> Response:
        """``{"available": true|false}``, nothing else: no names, no counts."""
        available = await self.available()
        max_age = max(1, int(self._seconds))
        return JSONResponse({"available": available}, headers={"cache-control": f"public, max-age={max_age}"})
