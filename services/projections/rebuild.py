"""A scratch copy of the read models built from the event store, and comparing two copies.

``rebuild`` fills a schema of its own from the whole notification log with the replay's own code (the
rows in memory, a page of events at a time, written with COPY), switching nothing: tests and the
fault-injection run compare it with the live read models (a read model rebuilt from the log equals
the live one).
"""

from __future__ import annotations

import gc

import asyncpg

from services.projections import event_log
from services.projections.read_models import READ_MODELS
from services.projections.replay_pages import apply_pages, settle
from services.projections.report_totals import refill
from services.projections.rows import Rows
from services.projections.schema import READ_MODEL_TABLES, checked, create_read_models, drop_read_models
from services.projections.tracking import PROJECTION, Position
from services.tables import Connection

REBUILD_SCHEMA = "read_models_rebuild"


async def rebuild(pool: asyncpg.Pool, schema: str = REBUILD_SCHEMA) -> Position:
    """Build ``schema`` afresh from the whole event store as it stands now; the position it reached.

    The schema is dropped first: never name the live one while the projection runs.
    """
    await drop_read_models(pool, schema)
    await create_read_models(pool, schema)
    rows = Rows(schema, complete=True)
    rows.totals_later = True  # the report totals are counted once the rows are in, as a replay counts them
    head = await event_log.head(pool)

    async def record(conn: Connection, at: int) -> None:
        await conn.execute(
            f"INSERT INTO {checked(schema)}.position (projection, notification_id, kafka_offset)"  # noqa: S608
            " VALUES ($1, $2, -1)"
            " ON CONFLICT (projection) DO UPDATE SET notification_id = EXCLUDED.notification_id",
            PROJECTION,
            at,
        )

    try:
        at = (await apply_pages(pool, rows, READ_MODELS, 0, head, record))[0] if head else 0
        await settle(pool, rows, READ_MODELS, at)
        async with pool.acquire() as conn, conn.transaction():
            await refill(conn, checked(schema))
    finally:
        del rows
        gc.unfreeze()  # what the pages made is freed: the collector walks the rest again (see ``replay``)
    return Position(notification_id=at, kafka_offset=-1)


async def differences(pool: asyncpg.Pool, left: str, right: str) -> dict[str, int]:
    """Rows that differ between two schemas of read models, per table (empty: equal)."""
    found = {}
    for table in READ_MODEL_TABLES:
        a, b = f"{checked(left)}.{table}", f"{checked(right)}.{table}"
        count = await pool.fetchval(
            f"SELECT count(*) FROM ((TABLE {a} EXCEPT ALL TABLE {b}) UNION ALL (TABLE {b} EXCEPT ALL TABLE {a})) d"  # noqa: S608
        )
        if count:
            found[table] = count
    return found
