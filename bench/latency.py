"""Latency from inbound publish to the operator's websocket push, at a fixed moderate load.

Customers write through the widget; ingest stamps each message just before it
publishes it; a director's console socket (who sees every conversation) takes
the push, and the difference of the two clocks (one machine) is the latency.
"""

from __future__ import annotations

import time

from bench.console import OperatorSocket, Tally
from bench.customers import Plan
from bench.doors import pace
from bench.progress import Progress
from bench.widget import Widget
from services.settings import Settings


async def measure_latency(settings: Settings, token: str, plan: Plan, within: float) -> list[float]:
    """Send ``plan`` at its rate through the widget; every message's push latency in seconds."""
    tally = Tally()
    operator = await OperatorSocket.open(settings, token, tally)
    widget = Widget(settings)
    progress = Progress("latency: sent through the widget", len(plan.touches))
    try:
        started = time.monotonic()
        for touch in plan.touches:
            await pace(started, touch.at)
            await widget.send(touch)
            progress.advance()
        progress.close()
        await widget.all_accepted(within)
        await tally.reach(len(plan.touches), within)
    finally:
        await widget.close()
        await operator.close()
    return tally.all_latencies()
