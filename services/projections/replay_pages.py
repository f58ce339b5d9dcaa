"""Pages of the log applied in memory while the page before is written: a replay's main loop.

Python applies page N+1 to the rows in memory while PostgreSQL writes page N (COPY, upserts, the
activities folded in SQL, and the position reached, in one transaction), and page N-1 if it is still
at it; each page's messages are written on a connection of their own from the moment it is read, so
the two cores work at once. Pages are committed in order.
The cycle collector is paused while pages are applied: a replay makes and keeps millions of small
objects, none in a reference cycle, which the collector would otherwise walk again and again (a
quarter of a replay's CPU time, measured; once a page still cost a tenth). What a replay drops is
freed by reference counting as ever. When the collector resumes, what the pages made is left out of
its walks (``gc.freeze``) until the replay is done with it (``gc.unfreeze``).
Should a page's write fail (a value the database refuses), the rows are read back as the last
committed page left them and the pages since are applied and written again one event at a time,
which finds the event and passes over it.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import structlog

from domain.published_event import PublishedEvent
from services.projections import event_log
from services.projections.event_log import Page
from services.projections.inbox_view import Changes
from services.projections.read_models import ReadModel, apply_to, projectors, wanted_by
from services.projections.replay_activities import Activities
from services.projections.replay_messages import CUSTOMER_WROTE, READS_MESSAGES, Messages
from services.projections.rows import Changed, Rows
from services.projections.tracking import EVENT_ERRORS
from services.tables import Connection

log = structlog.get_logger()

PAGE = 10_000  # events read, applied in memory and written together, with the position reached
# Pages being written while Python applies the next: the last one, and the one before while PostgreSQL
# lags, so neither side waits out the other's slower page.
_IN_FLIGHT = 2
# Events applied between two turns of the event loop. The write of the page before goes on only when
# the loop turns (asyncpg hands PostgreSQL the next piece of a COPY, the next statement): every 200
# events left PostgreSQL waiting, every 10 keeps it busy (3,000 deals: 38k events/s then, 44k now).
_TURN = 10

# Stores the position a page reached, in the transaction that writes the page.
Record = Callable[[Connection, int], Awaitable[None]]
Progress = Callable[[int, int], None]  # (notification id reached, events applied so far)


@dataclass
class _Unsaved:
    page: Page
    write: asyncio.Task[int]


async def apply_pages(  # noqa: PLR0913 - where from, to what, up to where, and what to record
    pool: asyncpg.Pool,
    rows: Rows,
    models: tuple[ReadModel, ...],
    after: int,
    up_to: int,
    record: Record,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Apply the log after ``after`` up to ``up_to`` to ``models``, page by page.

    The last notification id applied, and how many events the pages held.
    """
    rows.conn = pool
    unsaved: list[_Unsaved] = []
    events = 0
    messages = Messages.for_models(rows.schema, models)
    # The report totals kept event by event read the activities: those rows are then the rules'.
    activities = Activities.for_models(rows.schema, models) if rows.totals_later else None
    left_out = [writer.left_out() for writer in (messages, activities) if writer is not None]
    if messages is not None:
        await messages.prepare(pool)
    if activities is not None:
        async with pool.acquire() as conn:
            await activities.prepare(conn, after, up_to)
    writers = _Writers(messages, activities)
    collecting = gc.isenabled()
    gc.disable()
    try:
        async for page in event_log.batches(pool, after, up_to, PAGE, wanted_by(models), left_out):
            if messages is not None:
                messages.start(pool, page.first, page.last)  # on PostgreSQL's other core, from now on
            await _in_memory(rows, models, page, messages)
            changed = rows.take()
            before = unsaved[-1].write if unsaved else None
            write = asyncio.create_task(_write(pool, rows, changed, page, record, writers, before))
            rows.pending = write
            unsaved.append(_Unsaved(page, write))
            # Python applies the next page while PostgreSQL writes this one and the one before, if still at it.
            again = await _saved(pool, rows, models, unsaved, record, writers, keep=_IN_FLIGHT)
            if again is not None:
                rows = again
            events += page.read
            if progress is not None:
                progress(page.last, events)
            after = page.last
        again = await _saved(pool, rows, models, unsaved, record, writers, keep=0)
        rows = again or rows
    finally:
        await _let_go(unsaved, messages, collecting=collecting)
    return after, events


async def _let_go(unsaved: list[_Unsaved], messages: Messages | None, *, collecting: bool) -> None:
    """Stop what is still being written of pages not committed, and let the collector run again."""
    for left in unsaved:
        if not left.write.done():
            left.write.cancel()
    if messages is not None:
        await messages.stop()
    if collecting:
        # The rows the pages made stay until the replay ends: the collector is not to walk them
        # again (it took four seconds of a core at 10,000 deals, on the switch's path). They hold
        # no reference cycles; reference counting frees them as ever.
        gc.freeze()
        gc.enable()


async def _in_memory(rows: Rows, models: tuple[ReadModel, ...], page: Page, messages: Messages | None) -> None:
    changes = Changes.ignored()
    for n, event in enumerate(page.events, 1):
        if messages is not None:
            if event.type == CUSTOMER_WROTE:
                messages.note(page.first, event)
            elif event.type in READS_MESSAGES:
                await messages.ready(page.first)
        await folded(rows, models, event, changes)
        if not n % _TURN:
            # Rules never wait on the database here, so the loop would not run the write of the
            # page before, nor the read of the next, until this page is done: let them go on.
            await asyncio.sleep(0)


@dataclass(frozen=True)
class _Writers:
    """What PostgreSQL writes of each page from the stored events, beside the rows Python applied."""

    messages: Messages | None
    activities: Activities | None


async def _write(  # noqa: PLR0913
    pool: asyncpg.Pool,
    rows: Rows,
    changed: list[Changed],
    page: Page,
    record: Record,
    writers: _Writers,
    before: asyncio.Task[int] | None,
) -> int:
    if before is not None:
        await before  # pages commit in order; one the database refused stops those after it
    async with pool.acquire() as conn, conn.transaction():
        # A page lost to a crash is applied again from the position before it: no need to wait for the disk.
        await conn.execute("SET LOCAL synchronous_commit = off")
        # Stored times without a zone (none the domain writes) are read as the rules read them: in UTC.
        await conn.execute("SET LOCAL TimeZone = 'UTC'")
        written = await rows.write_out(conn, changed)
        if writers.messages is not None:
            await writers.messages.write(conn, page.first)
        if writers.activities is not None:
            await writers.activities.write(conn, page.first, page.last)
        await record(conn, page.last)
    return written


async def settle(pool: asyncpg.Pool, rows: Rows, models: tuple[ReadModel, ...], up_to: int) -> None:
    """Count what the messages pages left to PostgreSQL change of their conversations, and read those rows again.

    Once pages are applied, before any event is applied one by one: a killed replay's pages too.
    """
    messages = Messages.for_models(rows.schema, models)
    if messages is None:
        return
    async with pool.acquire() as conn, conn.transaction():
        await messages.settle(conn, up_to)
        rows.conn = conn
        await rows.load_whole(["conversations"])
    rows.conn = pool


async def _saved(  # noqa: PLR0913
    pool: asyncpg.Pool,
    rows: Rows,
    models: tuple[ReadModel, ...],
    unsaved: list[_Unsaved],
    record: Record,
    writers: _Writers,
    *,
    keep: int,
) -> Rows | None:
    """Wait until at most ``keep`` pages of ``unsaved`` are left being written, taking the written off it.

    None if they were written. If one failed, it and every page after it are written again one event
    at a time, into rows read back from the database, which are returned; ``unsaved`` is then empty.
    """
    try:
        while len(unsaved) > keep:
            await unsaved[0].write
            unsaved.pop(0)
    except EVENT_ERRORS as error:
        log.warning("replay_page_refused", schema=rows.schema, error_type=type(error).__name__, error=str(error))
        for left in unsaved:  # those after it wait for it: they fail, or are cancelled here, unwritten
            left.write.cancel()
        await asyncio.gather(*(left.write for left in unsaved), return_exceptions=True)
        pages = [left.page for left in unsaved]
        unsaved.clear()
        return await _again(pool, rows, models, pages, record, writers)
    return None


async def _again(  # noqa: PLR0913
    pool: asyncpg.Pool,
    rows: Rows,
    models: tuple[ReadModel, ...],
    pages: list[Page],
    record: Record,
    writers: _Writers,
) -> Rows:
    fresh = Rows(rows.schema)
    fresh.totals_later = rows.totals_later
    wanted = wanted_by(models)
    async with pool.acquire() as conn:
        fresh.conn = conn
        await fresh.load_whole(table for model in models for table in model.tables)
        messages = writers.messages
        for page in pages:
            async with conn.transaction():
                events = page.events
                if messages is not None or writers.activities is not None:
                    # Every event of the page by the rules, the messages and activities too: none by SQL here.
                    found = await event_log.read_after(conn, page.first, page.read, page.last)
                    events = [event_log.published(row) for row in found if wanted(row["topic"].rpartition(":")[2])]
                if messages is not None:
                    await messages.unwrite(conn, page.first, page.last)
                    for event in events:
                        messages.note(page.first, event)
                    await messages.write_names(conn, page.first)
                await apply_page(fresh, models, events, Changes.ignored())
                await record(conn, page.last)
            fresh.written()
    fresh.conn = pool
    return fresh


async def apply_page(rows: Rows, models: tuple[ReadModel, ...], events: list[PublishedEvent], changes: Changes) -> None:
    """Apply ``events`` in order and write them; one that fails on its own is logged and passed over.

    The live projection keeps such an event as a dead letter of its own. A row the database refuses
    fails the whole write: the page is then written again one event at a time to find the event.
    """
    conn = rows.conn
    if conn is None or isinstance(conn, asyncpg.Pool):
        msg = "a page is written in the caller's transaction: set Rows.conn to its connection"
        raise RuntimeError(msg)
    mark = rows.mark()
    try:
        async with conn.transaction():
            for event in events:
                await folded(rows, models, event, changes)
            await rows.write()
    except EVENT_ERRORS:
        rows.undo(mark)
    else:
        return
    for event in events:
        at = rows.mark()
        try:
            async with conn.transaction():
                await apply_to(rows, models, event, Changes())
                await rows.write()
        except EVENT_ERRORS as error:
            rows.undo(at)
            _skipped(rows, event, error)
        else:
            rows.written()


async def folded(rows: Rows, models: tuple[ReadModel, ...], event: PublishedEvent, changes: Changes) -> None:
    """Apply one event in memory; one that fails is undone, logged and passed over."""
    at = rows.mark()
    try:
        # A skipped event may leave a record among the changes: the consoles are told it changed, as no harm.
        for projector in projectors(models, event.type):  # ``apply_to``, without a coroutine of its own
            await projector(rows, event, changes)
    except EVENT_ERRORS as error:
        rows.undo(at)
        _skipped(rows, event, error)


def _skipped(rows: Rows, event: PublishedEvent, error: Exception) -> None:
    log.warning(
        "replay_event_skipped",
        schema=rows.schema,
        notification_id=event.notification_id,
        event_type=event.type,
        aggregate_id=str(event.aggregate_id),
        error_type=type(error).__name__,
        error=str(error),
    )
