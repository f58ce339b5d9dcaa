"""Running a report's SQL into a table: its columns as the query names them, its rows as they come."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from services.console.paging import Page, encode
from services.console.report_filters import ReportFilter
from services.console.sales_queries import Query
from services.console.tabular_export import Table

__all__ = ["Query", "ReportFilter", "Table", "paged", "tabled"]


async def tabled(pool: asyncpg.Pool, title: str, sql: str, q: Query) -> Table:
    """The rows of ``sql`` (with ``q``'s arguments) under the columns it names, even when there are none."""
    async with pool.acquire() as conn:
        statement = await conn.prepare(sql)
        rows = await statement.fetch(*q.args)
        columns = tuple(attribute.name for attribute in statement.get_attributes())
    return Table(title, columns, [tuple(row.values()) for row in rows])


async def paged(  # noqa: PLR0913 - the statement, its page, and how a row's sort key is read
    pool: asyncpg.Pool,
    title: str,
    sql: str,
    q: Query,
    page: Page,
    key: Callable[[asyncpg.Record], tuple[object, ...]],
    hidden: tuple[str, ...] = (),
) -> Table:
    """A page of the rows of ``sql`` (fetching ``page.limit + 1``), the cursor to the next, ``hidden`` left out."""
    async with pool.acquire() as conn:
        statement = await conn.prepare(sql)
        rows = await statement.fetch(*q.args)
        columns = tuple(attribute.name for attribute in statement.get_attributes())
    shown = [n for n, column in enumerate(columns) if column not in hidden]
    given = rows[: page.limit]
    following = encode(key(given[-1])) if len(rows) > page.limit and given else None
    return Table(title, tuple(columns[n] for n in shown), [tuple(row[n] for n in shown) for row in given], following)
