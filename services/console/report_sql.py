"""Running a report's SQL into a table: its columns as the query names them, its rows as they come."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from operator import itemgetter

import asyncpg

from domain.errors import InvalidField
from services.console.paging import Page, encode
from services.console.report_filters import ReportFilter
from services.console.sales_queries import Query
from services.console.tabular_export import Table

__all__ = ["LIST_PAGE", "Query", "ReportFilter", "Table", "amount_after", "paged", "tabled", "wrong_cursor"]

LIST_PAGE = 1_000  # rows of a page of a report given in pages, unless asked; an export walks every page


def wrong_cursor() -> InvalidField:
    """The refusal of a cursor whose parts are of the right types but not of this report's rows."""
    return InvalidField("cursor", "is not one this list gave; start again without it")


def amount_after(part: object) -> Decimal:
    """An amount a cursor carries as decimal text; the cursor refused if it is none."""
    try:
        amount = Decimal(str(part))
    except InvalidOperation:
        raise wrong_cursor() from None
    if not amount.is_finite():
        raise wrong_cursor()
    return amount


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
    # A page is a thousand rows: each is cut to its shown columns by one call, not a loop of its own.
    cut = itemgetter(*shown) if len(shown) > 1 else lambda row: (row[shown[0]],)
    return Table(title, tuple(columns[n] for n in shown), [cut(row) for row in given], following)
