"""Console fan-out: live updates delivered to many operator sockets on one gateway.

Each run starts the gateway afresh, so its resident memory before and after
the sockets connect gives the memory each connection costs.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from bench.console import OperatorSocket, Tally
from bench.cpu import rss_bytes
from bench.customers import Plan
from bench.doors import InboundDoor
from bench.progress import Progress
from bench.stats import percentile
from bench.supervisor import Supervisor
from services.settings import Settings

CONNECT_AT_ONCE = 50


@dataclass(frozen=True)
class FanoutRun:
    """One run's deliveries, push latencies and memory per connection."""

    sockets: int
    expected: int
    delivered: int
    p50: float
    p99: float
    bytes_per_connection: float


async def measure_fanout(  # noqa: PLR0913 - one measurement, all its inputs
    settings: Settings, supervisor: Supervisor, token: str, sockets: int, plan: Plan, within: float
) -> FanoutRun:
    """Connect ``sockets`` director consoles, publish ``plan`` at its rate, time every push on every socket."""
    supervisor.restart("gateway")
    await supervisor.healthy()
    warm = Tally()
    await (await OperatorSocket.open(settings, token, warm)).close()
    before = rss_bytes(supervisor.pid("gateway"))
    tally = Tally()
    operators: list[OperatorSocket] = []
    progress = Progress("fan-out: operator sockets connected", sockets)
    try:
        while len(operators) < sockets:
            batch = min(CONNECT_AT_ONCE, sockets - len(operators))
            operators += await asyncio.gather(*(OperatorSocket.open(settings, token, tally) for _ in range(batch)))
            progress.set(len(operators))
        progress.close()
        after = rss_bytes(supervisor.pid("gateway"))
        door = InboundDoor(settings)
        await door.start()
        try:
            await door.publish(plan.touches, paced=True)
        finally:
            await door.stop()
        expected = len(plan.touches) * sockets
        with contextlib.suppress(TimeoutError):  # reported as fewer delivered than expected
            await tally.reach(expected, within)
    finally:
        await asyncio.gather(*(o.close() for o in operators))
    latencies = tally.all_latencies()
    return FanoutRun(
        sockets=sockets,
        expected=expected,
        delivered=len(latencies),
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
        bytes_per_connection=(after - before) / sockets,
    )
