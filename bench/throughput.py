"""Sustained end-to-end throughput: a plan published onto the inbound topic as fast as Kafka takes it,
timed until the read models hold every message, with every stage's progress sampled on the way."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.cpu import CpuMeter
from bench.customers import Plan
from bench.doors import InboundDoor
from bench.positions import Positions, Watcher
from bench.progress import Progress
from services.settings import Settings

SAMPLE_SECONDS = 0.1
STAGES = ("router", "outbox relay", "projections")


@dataclass
class ThroughputRun:
    """One run: messages, seconds from first publish to read models updated, and per-stage evidence."""

    messages: int
    seconds: float
    events: int
    done_at: dict[str, float] = field(default_factory=dict)  # seconds from the start, per stage
    peak_backlog: dict[str, int] = field(default_factory=dict)  # records waiting in front of each stage
    cpu: dict[str, float] = field(default_factory=dict)  # share of one core per process

    @property
    def rate(self) -> float:
        """Messages per second, end to end."""
        return self.messages / self.seconds

    @property
    def events_per_message(self) -> float:
        """Stored events per inbound message in this plan's mix."""
        return self.events / self.messages


async def measure_throughput(
    settings: Settings, watcher: Watcher, meter: CpuMeter, plan: Plan, within: float
) -> ThroughputRun:
    """Publish ``plan`` as fast as possible and wait, on positions, until the read models have it all."""
    door = InboundDoor(settings)
    await door.start()
    before = await watcher.read()
    samples: list[Positions] = [before]
    sampling = asyncio.create_task(_sample(watcher, samples))
    progress = Progress("throughput: published", len(plan.touches))
    started = time.monotonic()
    meter.start(started)
    try:
        await door.publish(plan.touches, paced=False, progress=progress)
        progress.close()
        published_at = time.monotonic()
        final = await watcher.drained(within, interval=0.02)
    finally:
        sampling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampling
        await door.stop()
    cpu = meter.stop(final.at)
    samples.append(final)
    run = ThroughputRun(len(plan.touches), final.at - started, final.stored - before.stored, cpu=cpu)
    run.done_at = {
        "published": published_at - started,
        "router": _first(samples, lambda p: p.consumed >= final.published) - started,
        "outbox relay": _first(samples, lambda p: p.relayed >= final.stored) - started,
        "projections": final.at - started,
    }
    run.peak_backlog = {
        "router": max(p.published - p.consumed for p in samples),
        "outbox relay": max(p.stored - p.relayed for p in samples),
        "projections": max(p.relayed - p.projected for p in samples),
    }
    return run


async def _sample(watcher: Watcher, samples: list[Positions]) -> None:
    while True:
        position = await watcher.try_read()
        if position is not None:
            samples.append(position)
        await asyncio.sleep(SAMPLE_SECONDS)  # the sampling interval, not a wait for a result


def _first(samples: list[Positions], reached: Callable[[Positions], bool]) -> float:
    return next(p.at for p in samples if reached(p))
