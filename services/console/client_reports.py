"""The reports per client: deals per contact, per company, and the companies' income, a page at a time.

A history has as many clients as deals, so these come in pages as the list reports do (``limit`` rows,
and a cursor to the next page carrying the last row's sort key). Every row is counted over the whole
period before the page is cut: a client's figures are the same on whichever page it falls, and a
client with deals in two currencies may end one page and begin the next. An export walks every page.
"""

from __future__ import annotations

import asyncpg

from services.console.deal_reports import VOLUME_SUMS, WON
from services.console.paging import CursorShape, Page
from services.console.report_sql import LIST_PAGE, Query, ReportFilter, Table, amount_after, paged
from services.console.sales_queries import S

BY_VOLUME: CursorShape = ("text", "int", "id", "text")  # income, deals, the client, currency
BY_INCOME: CursorShape = ("text", "id", "text")  # income, the company, currency


async def deals_by_contact(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per contact and currency: deals, won and lost with their shares, income from won deals."""
    return await _volume_by(pool, f, "contact_id", "deals-by-contact")


async def deals_by_company(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per company and currency: deals, won and lost with their shares, income from won deals."""
    return await _volume_by(pool, f, "company_id", "deals-by-company")


async def _volume_by(pool: asyncpg.Pool, f: ReportFilter, column: str, title: str) -> Table:
    """Counted per the record a deal's is now (a merged contact's under its survivor), the page named.

    The deals are counted once, each under its client as it is now: counting them per record first and
    summing those again per survivor went over the period's clients twice. Only the page's clients are
    named, after it is cut.
    """
    q, page = Query(), f.page or Page(LIST_PAGE)
    f.deals(q, "d.opened_at")
    q.where(f"d.{column} IS NOT NULL")
    kind = column.removesuffix("_id")
    table = "contacts" if kind == "contact" else "companies"
    if kind == "contact":
        # Only a merged contact's deals move; the join holds the few merged ones, not every contact.
        now, merged = (
            f"coalesce(r.merged_into, d.{column})",
            f" LEFT JOIN {S}.contacts r ON r.id = d.{column} AND r.merged_into IS NOT NULL",
        )
    else:
        now, merged = f"d.{column}", ""
    after = ""
    if page.after is not None:
        # Income and deals run down, the client and currency up: their negatives run up with them.
        income, deals, client, currency = page.after
        after = (
            f" WHERE (-n.income, -n.deals, n.id, n.currency) > (-{q.arg(amount_after(income))}::numeric,"
            f" -{q.arg(deals)}::bigint, {q.arg(client)}, {q.arg(currency)})"
        )
    order = "n.income DESC, n.deals DESC, n.id, n.currency"
    sql = (
        f"WITH now AS (SELECT {now} AS id, d.currency, {VOLUME_SUMS} FROM {S}.deals d{merged}{q.clause}"  # noqa: S608
        f" GROUP BY 1, 2), page AS (SELECT * FROM now n{after} ORDER BY {order} LIMIT {page.limit + 1})"
        f" SELECT n.id AS {column}, x.name AS {kind}, n.currency, n.deals, n.won, n.lost,"
        " round(n.won::numeric / n.deals, 4) AS won_share, round(n.lost::numeric / n.deals, 4) AS lost_share, n.income"
        f" FROM page n LEFT JOIN {S}.{table} x ON x.id = n.id ORDER BY {order}"
    )

    def key(row: asyncpg.Record) -> tuple[object, ...]:
        return (f"{row['income']:f}", row["deals"], row[column], row["currency"])

    return await paged(pool, title, sql, q, page, key)


async def company_profitability(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per company and currency, of the deals won in the period (closed in it): how many, income, average."""
    q, page = Query(), f.page or Page(LIST_PAGE)
    f.deals(q, "d.closed_at")
    q.where(WON)
    q.where("d.company_id IS NOT NULL")
    after = ""
    if page.after is not None:
        income, company, currency = page.after
        after = (
            f" WHERE (-w.income, w.company_id, w.currency)"
            f" > (-{q.arg(amount_after(income))}::numeric, {q.arg(company)}, {q.arg(currency)})"
        )
    sql = (
        "WITH won AS (SELECT d.company_id, d.currency, count(*) AS won, sum(d.amount) AS income,"  # noqa: S608
        f" round(avg(d.amount), 2) AS average_deal FROM {S}.deals d{q.clause} GROUP BY d.company_id, d.currency)"
        " SELECT w.company_id, c.name AS company, w.currency, w.won, w.income, w.average_deal"
        f" FROM won w LEFT JOIN {S}.companies c ON c.id = w.company_id{after}"
        f" ORDER BY w.income DESC, w.company_id, w.currency LIMIT {page.limit + 1}"
    )

    def key(row: asyncpg.Record) -> tuple[object, ...]:
        return (f"{row['income']:f}", row["company_id"], row["currency"])

    return await paged(pool, "company-profitability", sql, q, page, key)
