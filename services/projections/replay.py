"""Replay: a new version of read models built from the event store, then switched to without downtime.

``replay`` builds the next version from the notification log in large pages, applying each page to
rows held in memory and writing them with COPY, storing its position with each page (a killed replay
reads the rows back and goes on from there), catches up with the head of the log, and puts
the new tables in place of the live ones. The live projection keeps following the domain-events
topic into whichever tables are live; at the switch both stand at the same notification id, which
the live projection then goes on from, so no event is applied twice or missed.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import asyncpg
import structlog

from services.projections import event_log, versions
from services.projections.inbox_view import Changes
from services.projections.read_models import READ_MODELS, ReadModel, named, with_what_they_read
from services.projections.replay_pages import PAGE, apply_page, apply_pages, settle
from services.projections.report_totals import TOTALS_TABLES, refill
from services.projections.rows import Rows
from services.projections.schema import LIVE_SCHEMA, READ_MODEL_TABLES, create_indexes, create_read_models
from services.projections.tracking import HANDOVER_LOCK, PROJECTION, load_position, notify_changes
from services.tables import DDL_LOCK, Connection

log = structlog.get_logger()

# The tables the counting once the pages are in writes: their indexes are made after it.
_COUNTED = ("conversations", "messages", *TOTALS_TABLES)
# Switch once this close to the head of the log: the rest is applied while the live projection waits.
CLOSE_ENOUGH = PAGE
SWITCH_ATTEMPTS = 50
REPLAY_LOCK = 0x5B0A_0004  # pg advisory lock key: one replay at a time

Progress = Callable[[int, int, float], None]  # (notification id reached, head of the log, events per second)


@dataclass(frozen=True)
class Replayed:
    """What a replay did: which read models, up to which event, how many events at what rate."""

    read_models: tuple[str, ...]
    notification_id: int
    events: int
    seconds: float
    switched: bool
    differences: dict[str, tuple[int, list[versions.DifferingRow]]]

    @property
    def events_per_second(self) -> float:
        """The replay's rate over its whole run."""
        return self.events / self.seconds if self.seconds else 0.0


class _RollBack(Exception):
    """Undoes what a comparison applied to the live version."""


async def replay(  # noqa: PLR0913 - what to replay, and how
    pool: asyncpg.Pool,
    names: Iterable[str] = (),
    *,
    verify: bool = False,
    restart: bool = False,
    on_progress: Progress | None = None,
    lock_timeout_ms: int = 500,
    stop_after: int | None = None,
) -> Replayed:
    """Build the named read models (every one when none is named) afresh and make them the live ones.

    With ``verify`` the new version is compared with the live one at the same event first, and put in
    place only when they are equal; otherwise the differences are returned and the next version kept.
    ``stop_after`` stops once that notification id is applied, without switching (a replay killed there).
    Raises ReplayUnderWay while another replay runs.
    """
    async with pool.acquire() as holder:
        if not await holder.fetchval("SELECT pg_try_advisory_lock($1)", REPLAY_LOCK):
            msg = "another replay is running; this one changed nothing"
            raise versions.ReplayUnderWay(msg)
        try:
            return await _replay(pool, names, verify, restart, on_progress, lock_timeout_ms, stop_after)
        finally:
            # The rows the pages made, left out of the collector's walks, are freed now: whatever else
            # was left out with them is walked again, so a process that goes on collects its cycles.
            gc.unfreeze()
            await holder.execute("SELECT pg_advisory_unlock($1)", REPLAY_LOCK)


async def _replay(  # noqa: PLR0913
    pool: asyncpg.Pool,
    names: Iterable[str],
    verify: bool,
    restart: bool,
    on_progress: Progress | None,
    lock_timeout_ms: int,
    stop_after: int | None,
) -> Replayed:
    models = named(names)
    built = with_what_they_read(models)
    chosen = tuple(model.name for model in models)
    started = time.monotonic()
    at = (await versions.begin(pool, chosen, restart=restart)).notification_id
    log.info("replay_started", read_models=chosen, notification_id=at)
    # The next version's tables start empty: every row is then made here, and none needs reading back.
    rows = Rows(versions.NEXT_SCHEMA, complete=at == 0)
    # The report totals, a fifth of the work of applying events, are counted in SQL once before the switch.
    rows.totals_later = True
    if at:
        async with pool.acquire() as conn:
            rows.conn = conn
            await rows.load_whole(table for model in built for table in model.tables)
    events = 0
    while True:
        target = await event_log.head(pool)
        if stop_after is not None:
            target = min(target, stop_after)
        if target - at <= CLOSE_ENOUGH and stop_after is None:
            break
        if at >= target:
            return Replayed(chosen, at, events, time.monotonic() - started, switched=False, differences={})
        record, told = _recorder(target, at, started), _told(on_progress, target)
        at, read = await apply_pages(pool, rows, built, at, target, record, told)
        events += read
    # What is left once the pages are in, on two connections at once: the counting, then the indexes
    # and statistics of the tables it writes, on one; the other tables' indexes and statistics on the
    # other. The indexes were left out while the tables filled: made once, not kept up row by row.
    analyzed = tuple(table for model in models for table in model.tables)
    rest = tuple(table for table in READ_MODEL_TABLES if table not in _COUNTED)
    await asyncio.gather(
        _counted(pool, rows, built, at, tuple(t for t in analyzed if t in _COUNTED)),
        _indexed(pool, rest, tuple(t for t in analyzed if t in rest)),
    )
    at, switched, found, last = await _switch(pool, rows, models, built, verify=verify, lock_timeout_ms=lock_timeout_ms)
    events += last
    seconds = time.monotonic() - started
    log.info("replay_done", read_models=chosen, notification_id=at, switched=switched, events=events)
    return Replayed(chosen, at, events, seconds, switched=switched, differences=found)


async def _counted(
    pool: asyncpg.Pool, rows: Rows, built: tuple[ReadModel, ...], at: int, analyzed: tuple[str, ...]
) -> None:
    """Count what the pages left to counting once (the conversations' messages, the report totals), then index."""
    await settle(pool, rows, built, at)
    await _count_totals(pool, rows, built)
    await _indexed(pool, _COUNTED, analyzed)


async def _indexed(pool: asyncpg.Pool, tables: tuple[str, ...], analyzed: tuple[str, ...]) -> None:
    """Make the next version's indexes of ``tables``, then gather the statistics of ``analyzed``."""
    await create_indexes(pool, versions.NEXT_SCHEMA, tables)
    await versions.analyze(pool, analyzed)


async def _count_totals(pool: asyncpg.Pool, rows: Rows, built: tuple[ReadModel, ...]) -> None:
    """Count the report totals of the new version from its rows, and keep them up event by event from here on."""
    rows.totals_later = False
    if not any(table in model.tables for model in built for table in TOTALS_TABLES):
        return
    async with pool.acquire() as conn, conn.transaction():
        await refill(conn, versions.NEXT_SCHEMA)
    rows.forget(TOTALS_TABLES)  # the few rows the switch's events change are read when they do


async def _switch(  # noqa: PLR0913
    pool: asyncpg.Pool,
    rows: Rows,
    models: tuple[ReadModel, ...],
    built: tuple[ReadModel, ...],
    *,
    verify: bool,
    lock_timeout_ms: int,
) -> tuple[int, bool, dict[str, tuple[int, list[versions.DifferingRow]]], int]:
    """Bring both versions to the same event, compare them if asked, and put the new one in place."""
    await create_read_models(pool, LIVE_SCHEMA)
    staying = tuple(model for model in READ_MODELS if model not in models)
    tables = tuple(table for model in models for table in model.tables)
    for attempt in range(1, SWITCH_ATTEMPTS + 1):
        try:
            async with pool.acquire() as conn, conn.transaction():
                # The live projection finishes its batch and waits here until the switch commits.
                await conn.execute("SELECT pg_advisory_xact_lock($1)", HANDOVER_LOCK)
                # A process starting meanwhile makes its tables before or after the switch, not during it.
                await conn.execute("SELECT pg_advisory_xact_lock($1)", DDL_LOCK)
                live = await load_position(conn, LIVE_SCHEMA)
                replayed = await versions.checkpoint(conn)
                assert replayed is not None  # begin() made it
                target = max(live.notification_id, replayed.notification_id, await event_log.head(conn))
                rows.conn = conn
                last = await _apply_range(rows, built, replayed.notification_id, target)
                if verify:
                    found = await _compare(conn, models, live.notification_id, target, tables)
                    if found:
                        await versions.record(conn, target, target, 0.0)
                        return target, False, found, last
                # The read models that stay live are brought to the same event, so one position holds for all.
                changes = Changes()
                live_rows = Rows(LIVE_SCHEMA)
                live_rows.conn = conn
                await _apply_range(live_rows, staying, live.notification_id, target, changes)
                await notify_changes(conn, changes)
                await versions.put_in_place(conn, tables, lock_timeout_ms)
                await conn.execute(
                    f"INSERT INTO {LIVE_SCHEMA}.position (projection, notification_id, kafka_offset)"  # noqa: S608
                    " VALUES ($1, $2, $3)"
                    " ON CONFLICT (projection) DO UPDATE SET notification_id = EXCLUDED.notification_id",
                    PROJECTION,
                    target,
                    live.kafka_offset,
                )
        except asyncpg.LockNotAvailableError:
            log.info("replay_switch_waiting", attempt=attempt)
            # What the try wrote was rolled back with it: the rows are read again from where the version stands.
            async with pool.acquire() as conn:
                rows.conn = conn
                await rows.load_whole(table for model in built for table in model.tables)
            continue
        log.info("read_models_switched", tables=tables, notification_id=target, live_was_at=live.notification_id)
        return target, True, {}, last
    msg = (
        f"the live tables stayed in use through {SWITCH_ATTEMPTS} tries;"
        f" the new version waits in {versions.NEXT_SCHEMA}"
    )
    raise TimeoutError(msg)


async def _compare(
    conn: Connection, models: tuple[ReadModel, ...], live_at: int, target: int, tables: tuple[str, ...]
) -> dict[str, tuple[int, list[versions.DifferingRow]]]:
    """The rows that differ between the live and the new version, both at ``target``; nothing of live changes."""
    try:
        async with conn.transaction():
            live_rows = Rows(LIVE_SCHEMA)
            live_rows.conn = conn
            await _apply_range(live_rows, models, live_at, target)
            found = await versions.differing_rows(conn, LIVE_SCHEMA, versions.NEXT_SCHEMA, tables)
            raise _RollBack  # noqa: TRY301 - leave the savepoint, undoing it
    except _RollBack:
        return found


async def _apply_range(
    rows: Rows, models: tuple[ReadModel, ...], after: int, up_to: int, changes: Changes | None = None
) -> int:
    """Apply the events after ``after`` up to ``up_to`` to ``models`` and write them; how many there were."""
    assert rows.conn is not None
    applied = 0
    while models and after < up_to:
        found = await event_log.read_after(rows.conn, after, PAGE, up_to)
        if not found:
            break
        await apply_page(rows, models, [event_log.published(row) for row in found], changes or Changes())
        rows.written()
        after = found[-1]["notification_id"]
        applied += len(found)
    return applied


def _recorder(target: int, start: int, started: float) -> Callable[[Connection, int], Awaitable[None]]:
    async def record(conn: Connection, at: int) -> None:
        await versions.record(conn, at, target, (at - start) / max(time.monotonic() - started, 1e-9))

    return record


def _told(on_progress: Progress | None, target: int) -> Callable[[int, int], None] | None:
    if on_progress is None:
        return None
    started = time.monotonic()
    return lambda at, events: on_progress(at, target, events / max(time.monotonic() - started, 1e-9))
