"""Reports name contacts and companies as they are now, list reports come in pages, and the kept counts stay true.

Over the small fixed history of ``report_history`` (figures worked out by hand there).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from openpyxl import load_workbook

from application.change_deal_responsible import change_deal_responsible
from application.complete_activity import complete_activity
from application.event_store import EventStore
from application.merge_contacts import merge_contacts
from application.move_deal import move_deal
from application.reschedule_activity import reschedule_activity
from application.schedule_activity import NewActivity, schedule_activity
from application.update_contact import ContactChanges, update_contact
from services.console import reports_api
from services.console.report_catalogue import REPORTS
from services.projections.report_totals import TOTALS_TABLES, refill
from services.projections.schema import LIVE_SCHEMA
from services.settings import Settings
from tests.integration.crm_world import World, world
from tests.integration.report_history import STAGE, History, sales_history

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def sales(store: EventStore, settings: Settings) -> Iterator[tuple[World, History]]:
    with world(store, settings) as crm:
        history = sales_history(crm)
        crm.projected()
        yield crm, history


def answer(crm: World, name: str, **params: Any) -> dict[str, Any]:
    response = crm.get("dora", f"/api/reports/{name}", **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def picked(rows: list[dict[str, Any]], *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(row[c] for c in columns) for row in rows]


def every_page(crm: World, name: str, **params: Any) -> list[list[dict[str, Any]]]:
    pages, cursor = [], None
    while True:
        body = answer(crm, name, limit="1", **params, **({"cursor": cursor} if cursor else {}))
        pages.append(body["rows"])
        cursor = body["next"]
        if cursor is None:
            return pages


def test_contacts_and_companies_are_named_as_they_are_now_renamed_or_merged(sales: tuple[World, History]) -> None:
    crm, h = sales
    kim, lee = h.contacts["Kim"], h.contacts["Lee"]
    volume = ("contact", "currency", "deals", "won", "lost", "income")
    assert picked(answer(crm, "deals-by-contact", **MARCH)["rows"], *volume) == [
        ("Kim", "EUR", 2, 1, 0, "1000.00"),
        ("Lee", "EUR", 1, 0, 1, "0"),
    ]
    assert picked(answer(crm, "company-profitability", **MARCH)["rows"], "company", "income") == [("Acme", "1000.00")]
    assert picked(answer(crm, "deals-by-company", **MARCH)["rows"], "company", "currency") == [
        ("Acme", "EUR"),
        ("Bolt", "EUR"),
        ("Bolt", "USD"),
    ]
    assert picked(answer(crm, "won-deals")["rows"], "contact", "company") == [("Kim", "Acme"), (None, None)]

    update_contact(crm.store, kim, crm.ids["dora"], ContactChanges(name="Kim Park"))
    merge_contacts(crm.store, kim, lee, crm.ids["dora"], "the same person")
    crm.projected()
    assert picked(answer(crm, "deals-by-contact", **MARCH)["rows"], "contact_id", *volume) == [
        (str(kim), "Kim Park", "EUR", 3, 1, 1, "1000.00"),
    ]
    assert picked(answer(crm, "won-deals")["rows"], "contact") == [("Kim Park",), (None,)]


def test_list_reports_come_a_page_at_a_time_and_their_files_hold_every_row(
    sales: tuple[World, History], monkeypatch: pytest.MonkeyPatch
) -> None:
    crm, h = sales
    d = h.deals
    paged = {
        "won-deals": {},
        "overdue-deals": {},
        "expected-sales": MARCH,
        "deals-by-contact": MARCH,
        "deals-by-company": MARCH,
        "company-profitability": {},
    }
    for name, params in paged.items():
        whole = answer(crm, name, **params)
        assert whole["next"] is None
        pages = every_page(crm, name, **params)
        assert [len(page) for page in pages] == [1] * len(whole["rows"]), name
        assert [row for page in pages for row in page] == whole["rows"], name
    # Bolt's two currencies fall on two pages, each counted over the whole period.
    by_company = every_page(crm, "deals-by-company", **MARCH)
    assert [picked(page, "company", "currency", "deals") for page in by_company] == [
        [("Acme", "EUR", 2)],
        [("Bolt", "EUR", 1)],
        [("Bolt", "USD", 1)],
    ]
    assert [page[0]["deal_id"] for page in every_page(crm, "won-deals")] == [str(d["d1"]), str(d["d5"])]

    for bad in ({"cursor": "bm90IG9uZQ"}, {"limit": "0"}, {"limit": "10001"}):
        refused = crm.get("dora", "/api/reports/won-deals", **bad)
        assert refused.status_code == 400, refused.text
        assert next(iter(bad)) in refused.text
    given_whole = crm.get("dora", "/api/reports/deals-by-manager", limit="5")
    assert given_whole.status_code == 400
    assert "limit" in given_whole.text

    # Files are read a page at a time too: with pages of one row, the file still holds both.
    monkeypatch.setattr(reports_api, "EXPORT_PAGE", 1)
    shown = answer(crm, "won-deals")
    as_csv = crm.get("dora", "/api/reports/won-deals", format="csv", limit="1")
    assert as_csv.status_code == 200, as_csv.text
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert lines[0] == shown["columns"]
    assert [line[0] for line in lines[1:]] == [str(d["d1"]), str(d["d5"])]
    as_xlsx = crm.get("dora", "/api/reports/won-deals", format="xlsx")
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    assert [row[0].value for row in list(sheet.iter_rows())[1:]] == [str(d["d1"]), str(d["d5"])]
    by_contact = crm.get("dora", "/api/reports/deals-by-contact", format="csv", limit="1", **MARCH)
    assert by_contact.status_code == 200, by_contact.text
    contacts = list(csv.DictReader(io.StringIO(by_contact.content.decode("utf-8-sig"))))
    assert [(row["contact"], row["deals"]) for row in contacts] == [("Kim", "2"), ("Lee", "1")]


def test_every_report_answers_every_role_alike_from_the_days_kept_and_from_the_rows(
    sales: tuple[World, History],
) -> None:
    crm, _ = sales
    days = {"from": "2026-03-01", "to": "2026-03-31"}
    # Part-days at either end: read from the rows, not the days kept, and nothing happened in them.
    moments = {"from": "2026-02-28T12:00:00+00:00", "to": "2026-04-01T06:30:00+00:00"}
    for who in ("dora", "hanna", "anna"):
        for name in REPORTS:
            by_days, by_rows = (crm.get(who, f"/api/reports/{name}", **period) for period in (days, moments))
            assert by_days.status_code == by_rows.status_code == 200, (who, name, by_days.text, by_rows.text)
            if name in {"funnel-conversion", "activities", "activities-by-department"}:
                assert by_days.json()["rows"] == by_rows.json()["rows"], (who, name)
    anna = answer(crm, "funnel-conversion", responsible=str(crm.ids["anna"]), **days)["rows"]
    assert {(r["stage"], r["entered"]) for r in anna if r["later_stage"] == "Won"} == {
        ("New", 2),
        ("Qualification", 2),
        ("Proposal", 1),
    }


def test_the_counts_kept_ahead_equal_a_count_of_the_rows_after_every_kind_of_change(
    sales: tuple[World, History],
) -> None:
    crm, h = sales
    ids, now = crm.ids, datetime.now(UTC)

    def task(who: str, due: timedelta | None) -> UUID:
        activity = NewActivity("task", "deal", h.deals["d3"], "Call", due_at=None if due is None else now + due)
        return schedule_activity(crm.store, replace(activity, responsible_id=ids[who]), ids["boris"])

    moved = task("anna", timedelta(days=-3))
    reschedule_activity(crm.store, moved, now + timedelta(days=4), None, ids["anna"])
    complete_activity(crm.store, task("anna", timedelta(days=1)), "done", ids["anna"])
    task("boris", None)
    move_deal(crm.store, h.deals["d3"], STAGE["Qualification"], ids["boris"])
    move_deal(crm.store, h.deals["d3"], STAGE["New"], ids["boris"])  # back: a stage entered twice
    change_deal_responsible(crm.store, h.deals["d3"], ids["anna"], ids["dora"])
    crm.projected()
    kept = asyncio.run(_tables(crm.settings.database_url, recount=False))
    assert kept["activity_days"]
    assert kept["stage_days"]
    assert kept == asyncio.run(_tables(crm.settings.database_url, recount=True))


async def _tables(url: str, *, recount: bool) -> dict[str, list[tuple[Any, ...]]]:
    conn = await asyncpg.connect(url)
    try:
        if recount:
            await refill(conn, LIVE_SCHEMA)
        return {
            table: sorted(tuple(map(str, row.values())) for row in await conn.fetch(f"TABLE {LIVE_SCHEMA}.{table}"))
            for table in TOTALS_TABLES
        }
    finally:
        await conn.close()
