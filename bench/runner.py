"""``switchboard-bench pipeline``: every figure of the pipeline and its ceilings, on this machine, in one run."""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench import ceilings
from bench.cluster import Cluster
from bench.console import log_in
from bench.cpu import CpuMeter, Group, find_process
from bench.customers import plan
from bench.hops import HopClock, hop_figures, track_commit_times
from bench.positions import Watcher
from bench.push_figures import burst_figures, fanout_figures, latency_figures, push_ratios
from bench.replay import measure_replay
from bench.report import Results, load_previous, save, table
from bench.stats import Figure
from bench.supervisor import SERVICES, Supervisor
from bench.team import DIRECTOR, PASSWORD, hire
from bench.throughput import STAGES, ThroughputRun, measure_throughput
from services.bootstrap import create_pool
from services.topics import create_topics

MANAGERS = 4
BIG_CAPACITY = 10_000_000
WAIT_SECONDS = 300.0


@dataclass(frozen=True)
class Sizes:
    """How much each measurement does."""

    runs: int
    messages: int  # per throughput run and per Kafka ceiling run
    store_messages: int  # per event-store ceiling run
    warmup: int
    latency_rate: float
    latency_seconds: float
    fanout_sockets: int
    fanout_rate: float
    fanout_messages: int


FULL = Sizes(3, 20_000, 10_000, 2_000, 200.0, 20.0, 1_000, 5.0, 40)
QUICK = Sizes(1, 2_000, 2_000, 200, 200.0, 4.0, 1_000, 5.0, 8)


def run_bench(*, quick: bool, output: Path, seed: int | None = None) -> int:
    """Run the benchmark, print the table and the summary line, write JSON to ``output``."""
    seed = random.SystemRandom().randrange(1 << 31) if seed is None else seed
    sizes = QUICK if quick else FULL
    print(f"switchboard-bench pipeline{' --quick' if quick else ''}: seed {seed}, {sizes.runs} run(s) of each figure")
    cluster = Cluster("bench")
    started = time.monotonic()
    cluster.start()
    track_commit_times(cluster)
    print(f"  own PostgreSQL and Kafka up in {time.monotonic() - started:.1f}s under {cluster.workdir}")
    supervisor = Supervisor(cluster.env(), cluster.logs, cluster.settings.console_url)
    ok = False
    try:
        results = asyncio.run(_measure(cluster, supervisor, sizes, seed))
        results.setup["seconds"] = round(time.monotonic() - started, 1)
        previous = load_previous(output)
        print()
        print(table(results, previous))
        save(results, output)
        print(f"results written to {output}" + (" (previous run kept beside it)" if previous else ""))
        print(results.summary())
        ok = True
    finally:
        supervisor.stop_all()
        cluster.stop()
        if ok:
            cluster.remove()
        else:
            print(f"logs kept in {cluster.logs}", file=sys.stderr)
    return 0


async def _measure(cluster: Cluster, supervisor: Supervisor, sizes: Sizes, seed: int) -> Results:
    settings = cluster.settings
    results = Results(quick=sizes is QUICK, seed=seed)
    await create_topics(settings)
    await _ceilings(cluster, sizes, seed, results)
    print("starting the services")
    await hire(settings, (BIG_CAPACITY,) * MANAGERS)
    supervisor.start_all()
    await supervisor.healthy()
    pool = await create_pool(settings)
    watcher = Watcher(settings, pool)
    await watcher.start()
    try:
        meter = CpuMeter(_process_groups(cluster, supervisor))
        await measure_throughput(settings, watcher, meter, plan(seed, sizes.warmup, None, "w-"), WAIT_SECONDS)
        runs = []
        for n in range(sizes.runs):
            print(f"throughput run {n + 1} of {sizes.runs}")
            workload = plan(seed + n, sizes.messages, None, f"t{n}-")
            clock = HopClock(settings)
            await clock.start(pool)
            try:
                runs.append(await measure_throughput(settings, watcher, meter, workload, WAIT_SECONDS))
                passages = await clock.passages(pool, (t.channel_message_id for t in workload.touches))
            finally:
                await clock.stop()
            results.hops[f"throughput run {n + 1}, published as fast as Kafka takes it"] = hop_figures(passages)
            print(f"  {runs[-1].rate:,.0f} msg/s")
        _throughput_figures(runs, results)
        token = await log_in(settings, DIRECTOR, PASSWORD)
        results.figures.update(
            await latency_figures(
                settings,
                pool,
                token,
                sizes.latency_rate,
                sizes.latency_seconds,
                sizes.runs,
                seed,
                WAIT_SECONDS,
                results.hops,
            )
        )
        results.figures.update(await burst_figures(settings, pool, token, sizes.runs, seed, WAIT_SECONDS))
        rates = []
        for n in range(sizes.runs):
            events, seconds = await measure_replay(pool)
            rates.append(events / seconds)
            print(f"replay run {n + 1} of {sizes.runs}: {events:,} events in {seconds:.1f}s")
        results.figures["replay"] = Figure.of(rates)
        shape = (sizes.fanout_sockets, sizes.fanout_rate, sizes.fanout_messages)
        results.figures.update(
            await fanout_figures(settings, supervisor, pool, token, shape, sizes.runs, seed, WAIT_SECONDS)
        )
    finally:
        await watcher.stop()
        await pool.close()
    results.setup.update(
        {
            "runs": sizes.runs,
            "throughput_messages": sizes.messages,
            "latency_rate": sizes.latency_rate,
            "latency_messages": int(sizes.latency_rate * sizes.latency_seconds),
            "fanout_sockets": sizes.fanout_sockets,
            "fanout_rate": sizes.fanout_rate,
            "fanout_messages": sizes.fanout_messages,
            "router_batch_size": settings.router_batch_size,
            "log_level": settings.log_level,
            "mix": dict(plan(seed, sizes.messages, None, "t0-").kinds),
        }
    )
    results.compute_ratios()
    push_ratios(results)
    _name_slowest(results)
    return results


async def _ceilings(cluster: Cluster, sizes: Sizes, seed: int, results: Results) -> None:
    settings = cluster.settings
    kafka, store, store_events, copy = [], [], [], []
    for n in range(sizes.runs):
        print(f"ceilings run {n + 1} of {sizes.runs}")
        workload = plan(seed + n, sizes.messages, None, f"c{n}-")
        kafka.append(
            await ceilings.kafka_ceiling(settings, workload, f"{settings.topic_prefix}.ceiling-{n}", WAIT_SECONDS)
        )
        database = f"ceiling_{n}"
        conn = await asyncpg.connect(cluster.postgres.url)
        try:
            await conn.execute(f"CREATE DATABASE {database}")
        finally:
            await conn.close()
        scratch = settings.model_copy(update={"database_url": cluster.database_url(database)})
        stored = await asyncio.to_thread(
            ceilings.store_ceiling, scratch, plan(seed + n, sizes.store_messages, None, f"c{n}-"), MANAGERS
        )
        store.append(stored.messages_per_second)
        store_events.append(stored.events_per_second)
        copy.append(await ceilings.copy_ceiling(scratch.database_url))
        print(
            f"  raw Kafka {kafka[-1]:,.0f} msg/s, event store {store[-1]:,.0f} msg/s"
            f" ({store_events[-1]:,.0f} events/s), COPY {copy[-1]:,.0f} rows/s"
        )
    results.figures["ceiling_kafka"] = Figure.of(kafka)
    results.figures["ceiling_store"] = Figure.of(store)
    results.figures["ceiling_store_events"] = Figure.of(store_events)
    results.figures["ceiling_copy"] = Figure.of(copy)


def _process_groups(cluster: Cluster, supervisor: Supervisor) -> list[Group]:
    groups = [Group(s, supervisor.pid(s)) for s in SERVICES]
    kafka = find_process(str(cluster.kafka.data_dir / "config" / "server.properties"))
    if kafka is not None:
        groups.append(Group("kafka", kafka))
    postmaster = int((cluster.postgres.data_dir / "postmaster.pid").read_text().split()[0])
    groups.append(Group("postgres", postmaster, with_children=True))
    groups.append(Group("bench client", os.getpid()))
    return groups


def _throughput_figures(runs: list[ThroughputRun], results: Results) -> None:
    results.figures["throughput"] = Figure.of([r.rate for r in runs])
    results.figures["events_per_message"] = Figure.of([r.events_per_message for r in runs])
    # CPU seconds the router used during the run, over the messages it stored; the goal is 0.2 ms.
    per_message = [r.cpu["router"] * r.seconds / r.messages * 1000 for r in runs]
    results.figures["router_cpu_per_message"] = Figure.of(per_message)
    upstream = "published"
    results.stages["publish"] = {
        "done_at": statistics.median(r.done_at["published"] for r in runs),
        "after_upstream": statistics.median(r.done_at["published"] for r in runs),
        "peak_backlog": 0,
    }
    for stage in STAGES:
        results.stages[stage] = {
            "done_at": statistics.median(r.done_at[stage] for r in runs),
            "after_upstream": statistics.median(r.done_at[stage] - r.done_at[upstream] for r in runs),
            "peak_backlog": statistics.median(r.peak_backlog[stage] for r in runs),
        }
        upstream = stage
    results.cpu = {name: statistics.median(r.cpu[name] for r in runs) for name in runs[0].cpu}


def _name_slowest(results: Results) -> None:
    """The stage with the most work waiting in front of it, in messages; the evidence beside it."""
    per_message = results.figures["events_per_message"].median
    waiting = {
        stage: row["peak_backlog"] / (1 if stage == "router" else per_message)
        for stage, row in results.stages.items()
        if stage != "publish"
    }
    slowest = max(waiting, key=lambda s: waiting[s])
    f = {k: v.median for k, v in results.figures.items()}
    capacity = {
        "publish": f["ceiling_kafka"],
        "router": f["ceiling_store"],
        "projections": f["replay"] / per_message,
    }
    results.slowest_stage = slowest
    results.evidence = (
        "Peak backlog in front of each stage, in messages: "
        + ", ".join(f"{s} {w:,.0f}" for s, w in waiting.items())
        + ". Alone on this machine, in msg/s: "
        + ", ".join(f"{s} {c:,.0f}" for s, c in capacity.items())
        + f" (projections from the replay rate at {per_message:.2f} events/message)."
    )
