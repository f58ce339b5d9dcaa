"""Console fan-out: live updates delivered to many operator sockets on one gateway.

Each run starts the gateway afresh. Its resident memory is read when half the
sockets are open and when all are: the growth between, per socket, is what one
more socket costs (the first half also pays once for what does not grow with
sockets, such as the allocator's arenas and the database pool, which the
figure from before the first socket includes). Push latency is
timed from the publish (the whole pipeline) and from the projection's
notification (the gateway's fan-out alone, with the sockets and the client).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import asyncpg

from bench.console import OperatorSocket, Tally
from bench.cpu import rss_bytes
from bench.customers import Plan
from bench.doors import InboundDoor
from bench.notified import Notifications
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
    after_notification_p50: float
    after_notification_p99: float
    bytes_per_connection: float  # the second half's growth per socket
    bytes_per_connection_from_start: float  # the growth from before the first socket, per socket


async def measure_fanout(  # noqa: PLR0913 - one measurement, all its inputs
    settings: Settings, supervisor: Supervisor, token: str, sockets: int, plan: Plan, within: float, pool: asyncpg.Pool
) -> FanoutRun:
    """Connect ``sockets`` director consoles, publish ``plan`` at its rate, time every push on every socket."""
    supervisor.restart("gateway")
    await supervisor.healthy()
    warm = Tally()
    await (await OperatorSocket.open(settings, token, warm)).close()
    before = rss_bytes(supervisor.pid("gateway"))
    half, at_half = sockets // 2, 0
    tally = Tally()
    operators: list[OperatorSocket] = []
    progress = Progress("fan-out: operator sockets connected", sockets)
    try:
        while len(operators) < sockets:
            batch = min(CONNECT_AT_ONCE, sockets - len(operators))
            operators += await asyncio.gather(*(OperatorSocket.open(settings, token, tally) for _ in range(batch)))
            progress.set(len(operators))
            if not at_half and len(operators) >= half:
                half, at_half = len(operators), rss_bytes(supervisor.pid("gateway"))
        progress.close()
        after = rss_bytes(supervisor.pid("gateway"))
        door = InboundDoor(settings)
        async with Notifications(settings) as notifications:
            await door.start()
            try:
                await door.publish(plan.touches, paced=True)
            finally:
                await door.stop()
            expected = len(plan.touches) * sockets
            with contextlib.suppress(TimeoutError):  # reported as fewer delivered than expected
                await tally.reach(expected, within)
            from_notification = await notifications.after_notification(pool, tally)
    finally:
        await asyncio.gather(*(o.close() for o in operators))
    latencies = tally.all_latencies()
    return FanoutRun(
        sockets=sockets,
        expected=expected,
        delivered=len(latencies),
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
        after_notification_p50=percentile(from_notification, 0.5),
        after_notification_p99=percentile(from_notification, 0.99),
        bytes_per_connection=(after - at_half) / max(1, sockets - half),
        bytes_per_connection_from_start=(after - before) / sockets,
    )
