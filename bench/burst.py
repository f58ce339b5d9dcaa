"""A burst: many visitors each sending several messages at once through the widget.

The figure is how long after the burst's end (its last message sent) the last of its
messages appeared on a director's console, with the push latencies of all of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import asyncpg

from bench.customers import WORDS, Plan, Touch
from bench.latency import measure_latency
from bench.stats import percentile
from services.settings import Settings


@dataclass(frozen=True)
class BurstRun:
    """One burst's spread on the console."""

    messages: int
    visitors: int
    sent_in: float  # seconds to send the whole burst
    last_after_end: float  # seconds from the burst's end to its last message on the console (or to giving up)
    on_console: int  # fewer than ``messages`` when the wait ran out first
    p50: float
    p99: float


def burst_plan(seed: int, visitors: int, each: int, prefix: str) -> Plan:
    """``visitors`` new visitors, each sending ``each`` messages back to back, all at once."""
    rng = random.Random(seed)
    touches = [
        Touch(f"{prefix}{v}", f"m{n + 1}", " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40))), 0.0)
        for n in range(each)
        for v in range(visitors)
    ]
    plan = Plan(touches)
    plan.kinds.update({"new customers": visitors, "bursts": visitors, "longest conversation": each})
    return plan


async def measure_burst(  # noqa: PLR0913 - one measurement, all its inputs
    settings: Settings, token: str, pool: asyncpg.Pool, seed: int, visitors: int, each: int, within: float
) -> BurstRun:
    """Send the burst as fast as the widget takes it; how long its last message took to reach the console."""
    run = await measure_latency(settings, token, burst_plan(seed, visitors, each, f"b{seed}-"), within, pool)
    # Publish stamps are the messages' own; the burst ends when the last one was sent, sent_in after the first.
    # The latest push less the time the sending took is the last message's lag behind the burst's end.
    return BurstRun(
        messages=visitors * each,
        visitors=visitors,
        sent_in=run.sent_in,
        last_after_end=max(0.0, run.last_push_after_start - run.sent_in),
        on_console=run.on_console,
        p50=percentile(run.latencies, 0.5),
        p99=percentile(run.latencies, 0.99),
    )
