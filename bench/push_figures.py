"""The benchmark's console figures, each beside its ceiling measured in the same run.

latency: publish -> operator push through the widget at a fixed rate, and the gateway's share of
it (from the projection's notification), beside one raw Kafka round trip at the same rate.
burst: many visitors writing at once; how long after the burst's end its last message is on the
console. fan-out: one update to many operator sockets, beside a bare websocket server
broadcasting a frame of the same size to as many sockets; and the gateway's memory per socket.
"""

from __future__ import annotations

import asyncpg

from bench.burst import measure_burst
from bench.customers import plan
from bench.fanout import FanoutRun, measure_fanout
from bench.hops import HopClock, hop_figures
from bench.latency import measure_latency
from bench.latency_ceiling import kafka_round_trip
from bench.report import Results
from bench.socket_ceiling import measure_broadcast
from bench.stats import Figure, percentile
from bench.supervisor import Supervisor
from services.settings import Settings

BURST_VISITORS = 200
BURST_EACH = 10
MESSAGE_FRAME_BYTES = 600  # about a pushed customer message of the plans' lengths, as JSON


async def latency_figures(  # noqa: PLR0913 - one phase of the run, all its inputs
    settings: Settings,
    pool: asyncpg.Pool,
    token: str,
    rate: float,
    seconds: float,
    runs: int,
    seed: int,
    within: float,
    hops: dict[str, dict[str, dict[str, float]]],
) -> dict[str, Figure]:
    """Push latency at ``rate`` through the widget, its gateway share, and the raw Kafka round trip.

    Each run's per-hop table goes into ``hops``.
    """
    p50s, p99s, gateway50, gateway99, kafka50, kafka99 = [], [], [], [], [], []
    for n in range(runs):
        print(f"latency run {n + 1} of {runs} at {rate:.0f} msg/s")
        workload = plan(seed + 100 + n, int(rate * seconds), rate, f"l{n}-")
        kafka = await kafka_round_trip(settings, workload, f"{settings.topic_prefix}.round-trip-{n}", within)
        clock = HopClock(settings)
        await clock.start(pool, token)
        try:
            run = await measure_latency(settings, token, workload, within, pool)
            passages = await clock.passages(pool, (t.channel_message_id for t in workload.touches))
        finally:
            await clock.stop()
        hops[f"latency run {n + 1}, {rate:.0f} msg/s through the widget"] = hop_figures(passages)
        p50s.append(percentile(run.latencies, 0.5) * 1000)
        p99s.append(percentile(run.latencies, 0.99) * 1000)
        gateway50.append(percentile(run.after_notification, 0.5) * 1000)
        gateway99.append(percentile(run.after_notification, 0.99) * 1000)
        kafka50.append(percentile(kafka, 0.5) * 1000)
        kafka99.append(percentile(kafka, 0.99) * 1000)
        print(
            f"  p50 {p50s[-1]:.0f} ms, p99 {p99s[-1]:.0f} ms over {run.on_console} of {run.sent} messages"
            f" (after the notification: p50 {gateway50[-1]:.0f}, p99 {gateway99[-1]:.0f} ms);"
            f" raw Kafka round trip p50 {kafka50[-1]:.1f}, p99 {kafka99[-1]:.1f} ms"
        )
    return {
        "latency_p50": Figure.of(p50s),
        "latency_p99": Figure.of(p99s),
        "latency_gateway_p50": Figure.of(gateway50),
        "latency_gateway_p99": Figure.of(gateway99),
        "ceiling_kafka_trip_p50": Figure.of(kafka50),
        "ceiling_kafka_trip_p99": Figure.of(kafka99),
    }


async def burst_figures(  # noqa: PLR0913 - one phase of the run, all its inputs
    settings: Settings, pool: asyncpg.Pool, token: str, runs: int, seed: int, within: float
) -> dict[str, Figure]:
    """Seconds from a burst's end to its last message on the console, and the burst's push latencies."""
    lags, p99s = [], []
    for n in range(runs):
        print(f"burst run {n + 1} of {runs}: {BURST_VISITORS} visitors, {BURST_EACH} messages each")
        burst = await measure_burst(settings, token, pool, seed + 300 + n, BURST_VISITORS, BURST_EACH, within)
        lags.append(burst.last_after_end)
        p99s.append(burst.p99 * 1000)
        if burst.on_console < burst.messages:
            print(f"  only {burst.on_console:,} of {burst.messages:,} on the console when the wait ran out")
        print(
            f"  sent in {burst.sent_in:.2f}s; last on the console {burst.last_after_end:.2f}s after;"
            f" push p50 {burst.p50 * 1000:.0f} ms, p99 {burst.p99 * 1000:.0f} ms"
        )
    return {"burst_last_after_end": Figure.of(lags), "burst_p99": Figure.of(p99s)}


async def fanout_figures(  # noqa: PLR0913 - one phase of the run, all its inputs
    settings: Settings,
    supervisor: Supervisor,
    pool: asyncpg.Pool,
    token: str,
    shape: tuple[int, float, int],
    runs: int,
    seed: int,
    within: float,
) -> dict[str, Figure]:
    """Fan-out of updates to ``shape`` (sockets, messages/s, messages), memory per socket, and its ceiling."""
    sockets, rate, messages = shape
    done: list[FanoutRun] = []
    ceiling50, ceiling99 = [], []
    for n in range(runs):
        print(f"fan-out run {n + 1} of {runs}: {sockets} sockets, {rate:.0f} msg/s")
        workload = plan(seed + 200 + n, messages, rate, f"f{n}-")
        f = await measure_fanout(settings, supervisor, token, sockets, workload, within, pool)
        done.append(f)
        kib, from_start = f.bytes_per_connection / 1024, f.bytes_per_connection_from_start / 1024
        print(
            f"  {f.delivered:,}/{f.expected:,} pushes, p99 {f.p99 * 1000:.0f} ms from the publish,"
            f" {f.after_notification_p99 * 1000:.0f} ms from the notification;"
            f" {kib:.0f} KiB per socket added ({from_start:.0f} KiB/socket from before the first)"
        )
        p50, p99 = await measure_broadcast(sockets, messages, rate, MESSAGE_FRAME_BYTES)
        ceiling50.append(p50 * 1000)
        ceiling99.append(p99 * 1000)
        print(f"  raw websocket broadcast to {sockets} sockets: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    return {
        "fanout_p50": Figure.of([f.p50 * 1000 for f in done]),
        "fanout_p99": Figure.of([f.p99 * 1000 for f in done]),
        "fanout_gateway_p50": Figure.of([f.after_notification_p50 * 1000 for f in done]),
        "fanout_gateway_p99": Figure.of([f.after_notification_p99 * 1000 for f in done]),
        "fanout_memory": Figure.of([f.bytes_per_connection / 1024 for f in done]),
        "fanout_memory_from_start": Figure.of([f.bytes_per_connection_from_start / 1024 for f in done]),
        "fanout_delivered": Figure.of([100 * f.delivered / f.expected for f in done]),
        "ceiling_broadcast_p50": Figure.of(ceiling50),
        "ceiling_broadcast_p99": Figure.of(ceiling99),
    }


def push_ratios(results: Results) -> None:
    """Each console figure's ceiling as a share of it: 100% would be as fast as the bare parts allow."""
    f = {k: v.median for k, v in results.figures.items()}
    pairs = {
        "raw Kafka round trip p50 / push p50": ("ceiling_kafka_trip_p50", "latency_p50"),
        "raw Kafka round trip p99 / push p99": ("ceiling_kafka_trip_p99", "latency_p99"),
        "raw websocket broadcast p99 / fan-out p99 after notification": ("ceiling_broadcast_p99", "fanout_gateway_p99"),
        "raw websocket broadcast p99 / fan-out p99 from publish": ("ceiling_broadcast_p99", "fanout_p99"),
    }
    for name, (ceiling, figure) in pairs.items():
        if f.get(ceiling) is not None and f.get(figure):
            results.ratios[name] = f[ceiling] / f[figure]
    if f.get("ceiling_kafka") and f.get("burst_last_after_end"):
        raw_seconds = BURST_VISITORS * BURST_EACH / f["ceiling_kafka"]
        results.ratios["raw Kafka time for the burst / its last push after its end"] = (
            raw_seconds / f["burst_last_after_end"]
        )
