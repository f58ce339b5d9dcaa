"""Replay rate: a generated history replayed from the event store, beside asyncpg COPY of the same rows.

The run has a PostgreSQL of its own. It writes the history with COPY (the figure "COPY in"), reads
the same rows back with COPY (the figure "COPY out"), then replays every read model from them with
``switchboard replay``'s own code and prints the three rates and the replay's share of each.
"""

from __future__ import annotations

import asyncio
import resource
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import asyncpg

from bench.progress import Progress
from bench.replay_history import COLUMNS, FULL, QUICK, Size, history, managers_of, record_template
from devstack.ports import free_port
from devstack.postgres import LocalPostgres
from services.bootstrap import build_event_store
from services.projections.event_log import EVENTS_TABLE
from services.projections.replay import replay
from services.settings import Settings
from services.tables import Connection

COPY_ROWS = 20_000  # rows per COPY while writing the history


def run_replay_bench(*, quick: bool, deals: int | None = None) -> int:
    """Generate the history, measure COPY and replay on it, print the figures; the exit status."""
    base = QUICK if quick else FULL
    size = Size(deals or base.deals, base.activities_per_deal, base.managers, base.messages)
    workdir = Path(tempfile.mkdtemp(prefix="switchboard-replay-"))
    postgres = LocalPostgres(workdir / "postgres", free_port())
    postgres.start()
    try:
        settings = Settings(database_url=postgres.url)
        build_event_store(settings).close()  # the store makes its tables as the services would
        print(asyncio.run(_measure(postgres.url, size)))
    finally:
        postgres.stop("immediate")
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


async def _measure(url: str, size: Size) -> str:
    pool = await asyncpg.create_pool(url, min_size=2, max_size=4)
    assert pool is not None
    try:
        events, generated, copy_in = await _generate(pool, size)
        copy_out = await _copy_out(pool)
        bar = Progress("events replayed", events)
        cpu = _cpu_seconds()
        done = await replay(pool, on_progress=lambda at, _head, _rate: bar.set(at))
        cpu = _cpu_seconds() - cpu
        bar.close()
    finally:
        await pool.close()
    replayed = done.events_per_second
    lines = [
        (
            f"replay benchmark: {events:,} events ({size.deals:,} deals,"
            f" {size.deals * size.activities_per_deal:,} activities, {size.managers} managers),"
            f" generated in {generated:.1f}s"
        ),
        f"  COPY in (asyncpg, the history's rows)   {events / copy_in:>12,.0f} events/s",
        f"  COPY out (asyncpg, the same rows)       {events / copy_out:>12,.0f} events/s",
        f"  replay into every read model            {replayed:>12,.0f} events/s ({done.seconds:.1f}s)",
        # What the machine's load does not change: the replay's own CPU time (PostgreSQL's not counted).
        (
            f"  replay's Python CPU per event           {cpu / done.events * 1e6:>12,.1f} µs ({cpu:.1f}s,"
            f" at most {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB resident)"
        ),
        (
            f"summary: replay {replayed:,.0f} events/s, {replayed / (events / copy_in):.1%} of COPY in,"
            f" {replayed / (events / copy_out):.1%} of COPY out"
        ),
    ]
    return "\n".join(lines)


def _cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


async def _generate(pool: asyncpg.Pool, size: Size) -> tuple[int, float, float]:
    """Write the history; the events written, the seconds it all took and the seconds COPY took."""
    started = time.monotonic()
    template = record_template(size)
    managers = managers_of(template)
    copying, events, chunk = 0.0, 0, []
    bar = Progress("events generated", len(template.prelude) + size.deals * len(template.unit))
    async with pool.acquire() as conn:
        for rows in history(template, size, managers):
            chunk += rows
            if len(chunk) >= COPY_ROWS:
                copying += await _copy_in(conn, chunk)
                events += len(chunk)
                bar.set(events)
                chunk = []
        if chunk:
            copying += await _copy_in(conn, chunk)
            events += len(chunk)
        await conn.execute(f"ANALYZE {EVENTS_TABLE}")
    bar.close()
    return events, time.monotonic() - started, copying


async def _copy_in(conn: Connection, rows: Sequence[tuple[object, ...]]) -> float:
    started = time.monotonic()
    await conn.copy_records_to_table(EVENTS_TABLE, records=rows, columns=COLUMNS)
    return time.monotonic() - started


async def _copy_out(pool: asyncpg.Pool) -> float:
    """Seconds to read every row of the log with COPY, in notification order, in binary."""

    async def discard(_: bytes) -> None:
        return None

    started = time.monotonic()
    async with pool.acquire() as conn:
        await conn.copy_from_query(
            f"SELECT notification_id, originator_id, originator_version, topic, state FROM {EVENTS_TABLE}"
            " ORDER BY notification_id",
            output=discard,
            format="binary",
        )
    return time.monotonic() - started
