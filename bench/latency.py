"""Latency from inbound publish to the operator's websocket push, at a fixed load.

Customers write through the widget; ingest stamps each message just before it
publishes it; a director's console socket (who sees every conversation) takes
the push, and the difference of the two clocks (one machine) is the latency.
The projection's notification, heard by the bench as the gateway hears it,
splits that time into the pipeline's share and the gateway's.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import asyncpg

from bench.console import OperatorSocket, Tally
from bench.customers import Plan
from bench.doors import pace
from bench.notified import Notifications
from bench.progress import Progress
from bench.widget import Widget
from services.settings import Settings


@dataclass(frozen=True)
class LatencyRun:
    """Every push's latency from publish, and from the notification that told the gateway, in seconds."""

    latencies: list[float]
    after_notification: list[float]
    sent_in: float  # seconds from the first message sent to the last
    last_push_after_start: float  # seconds from the first message sent to the last push taken (or to giving up)
    sent: int
    on_console: int  # fewer than sent when the wait ran out first


async def measure_latency(
    settings: Settings, token: str, plan: Plan, within: float, pool: asyncpg.Pool | None = None
) -> LatencyRun:
    """Send ``plan`` at its rate through the widget (as fast as it goes without one); time every push."""
    tally = Tally()
    operator = await OperatorSocket.open(settings, token, tally)
    widget = Widget(settings)
    progress = Progress("latency: sent through the widget", len(plan.touches))
    try:
        async with Notifications(settings) as notifications:
            started = time.monotonic()
            for touch in plan.touches:
                await pace(started, touch.at)
                await widget.send(touch)
                progress.advance()
            sent_in = time.monotonic() - started
            progress.close()
            await widget.all_accepted(within)
            with contextlib.suppress(TimeoutError):  # reported as fewer on the console than sent
                await tally.reach(len(plan.touches), within)
            last_push = time.monotonic() - started
            after = await notifications.after_notification(pool, tally) if pool is not None else []
    finally:
        await widget.close()
        await operator.close()
    return LatencyRun(tally.all_latencies(), after, sent_in, last_push, len(plan.touches), len(tally.latencies))
