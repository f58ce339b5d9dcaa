"""Waiting on a condition with a deadline, never on a fixed sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class TimedOut(RuntimeError):
    """A condition did not hold within its deadline."""


async def until(check: Callable[[], Awaitable[T | None]], within: float, what: str, interval: float = 0.05) -> T:
    """Poll ``check`` until it returns something truthy; TimedOut naming ``what`` after ``within``."""
    deadline = time.monotonic() + within
    last: T | None = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    msg = f"timed out after {within:.0f}s waiting for {what} (last: {last!r})"
    raise TimedOut(msg)
