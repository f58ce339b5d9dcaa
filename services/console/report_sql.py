"""Running a report's SQL into a table: its columns as the query names them, its rows as they come."""

from __future__ import annotations

import asyncpg

from services.console.report_filters import ReportFilter
from services.console.sales_queries import Query
from services.console.tabular_export import Table

__all__ = ["Query", "ReportFilter", "Table", "tabled"]


async def tabled(pool: asyncpg.Pool, title: str, sql: str, q: Query) -> Table:
    """The rows of ``sql`` (with ``q``'s arguments) under the columns it names, even when there are none."""
    async with pool.acquire() as conn:
        statement = await conn.prepare(sql)
        rows = await statement.fetch(*q.args)
        columns = tuple(attribute.name for attribute in statement.get_attributes())
    return Table(title, columns, [tuple(row.values()) for row in rows])
