"""The reports over a small fixed history (``report_history``), each figure worked out by hand; roles and files."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from openpyxl import load_workbook

from application.close_conversation import close_conversation
from application.complete_activity import complete_activity
from application.event_store import EventStore
from application.move_deal import move_deal
from application.receive_messages import receive_messages
from application.reopen_conversation import reopen_conversation
from application.reply import reply
from application.schedule_activity import NewActivity, schedule_activity
from application.work_day import change_work_day
from domain.inbound import InboundMessage
from domain.permissions import Action, Entity, Permissions, Role, Scope
from services.bootstrap import build_event_store
from services.settings import Settings
from tests.integration.crm_world import World, world
from tests.integration.report_history import STAGE, History, sales_history
from tests.router_reactions import routed

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def sales(store: EventStore, settings: Settings) -> Iterator[tuple[World, History]]:
    with world(store, settings) as crm:
        history = sales_history(crm)
        crm.projected()
        yield crm, history


@pytest.fixture
def crm_sales(store: EventStore, settings: Settings) -> Iterator[World]:
    with world(store, settings) as crm:
        yield crm


def report(crm: World, who: str, name: str, **params: Any) -> list[dict[str, Any]]:
    response = crm.get(who, f"/api/reports/{name}", **params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows


def picked(rows: list[dict[str, Any]], *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(row[c] for c in columns) for row in rows]


def test_the_deal_reports_give_the_figures_worked_out_by_hand(sales: tuple[World, History]) -> None:
    crm, h = sales
    d, acme, bolt, kim, lee = h.deals, *h.companies.values(), *h.contacts.values()
    by_manager = report(crm, "dora", "deals-by-manager", **MARCH)
    assert picked(by_manager, "manager", "currency", "deals", "won", "lost", "won_share", "lost_share", "income") == [
        ("Anna", "EUR", 2, 1, 1, "0.5000", "0.5000", "1000.00"),
        ("Boris", "EUR", 1, 0, 0, "0.0000", "0.0000", "0"),
        ("Sam", "USD", 1, 0, 0, "0.0000", "0.0000", "0"),
        ("Sven", "EUR", 1, 1, 0, "1.0000", "0.0000", "700.00"),
    ]
    assert picked(report(crm, "dora", "deals-by-contact", **MARCH), "contact_id", "deals", "won", "lost", "income") == [
        (str(kim), 2, 1, 0, "1000.00"),
        (str(lee), 1, 0, 1, "0"),
    ]
    assert picked(report(crm, "dora", "deals-by-company"), "company_id", "currency", "deals", "won", "income") == [
        (str(acme), "EUR", 2, 1, "1000.00"),
        (str(bolt), "EUR", 1, 0, "0"),
        (str(bolt), "USD", 1, 0, "0"),
    ]
    assert picked(report(crm, "dora", "company-profitability", **MARCH), "company_id", "won", "income") == [
        (str(acme), 1, "1000.00")
    ]
    won = report(crm, "dora", "won-deals", **MARCH)
    assert picked(won, "deal_id", "title", "responsible", "amount", "closed_at") == [
        (str(d["d1"]), "Fleet tyres", "Anna", "1000.00", "2026-03-03T15:00:00+00:00"),
        (str(d["d5"]), "Winter set", "Sven", "700.00", "2026-03-02T19:00:00+00:00"),
    ]
    today = datetime.now(UTC).date()
    overdue = report(crm, "dora", "overdue-deals")
    assert picked(overdue, "deal_id", "stage", "expected_close", "days_overdue") == [
        (str(d["d3"]), "New", "2026-03-10", (today - datetime(2026, 3, 10, tzinfo=UTC).date()).days),
        (str(d["d4"]), "Proposal", "2026-03-20", (today - datetime(2026, 3, 20, tzinfo=UTC).date()).days),
    ]
    expected = report(crm, "dora", "expected-sales", **MARCH)
    assert picked(expected, "pipeline", "responsible", "currency", "deals", "amount", "weighted_amount") == [
        ("Sales", "Boris", "EUR", 1, "2000.00", "200.00"),
        ("Sales", "Sam", "USD", 1, "300.00", "150.00"),
    ]
    assert report(crm, "dora", "expected-sales") == []  # the next 30 days: nothing expected
    assert picked(report(crm, "dora", "open-deals-by-stage"), "stage", "deals", "share") == [
        ("New", 1, "0.5000"),
        ("Proposal", 1, "0.5000"),
    ]
    assert picked(
        report(crm, "dora", "product-income", **MARCH), "product_id", "product", "deals", "quantity", "revenue"
    ) == [(str(h.tyres), "Tyre", 1, "2.000", "700.00")]
    assert report(crm, "dora", "won-deals", **{"from": "2026-04-01"}) == []
    assert [r["deal_id"] for r in report(crm, "dora", "won-deals", min_amount="800")] == [str(d["d1"])]
    assert [r["company_id"] for r in report(crm, "dora", "deals-by-company", company=str(bolt))] == [str(bolt)] * 2
    assert picked(report(crm, "dora", "deals-by-manager", department="north"), "manager") == [("Anna",), ("Boris",)]
    assert picked(report(crm, "dora", "deals-by-manager", responsible=str(crm.ids["sam"])), "manager") == [("Sam",)]


def test_the_board_and_the_funnel_with_conversion_and_times_in_stage(sales: tuple[World, History]) -> None:
    crm, _ = sales
    board = report(crm, "dora", "deal-board", **MARCH)
    assert picked(board, "stage", "currency", "deals", "amount") == [
        ("New", "EUR", 1, "2000.00"),
        ("Qualification", None, 0, "0"),
        ("Proposal", "USD", 1, "300.00"),
        ("Negotiation", None, 0, "0"),
        ("Won", "EUR", 2, "1700.00"),
        ("Lost", "EUR", 1, "500.00"),
    ]
    assert report(crm, "dora", "funnel", **MARCH) == board
    funnel = report(crm, "dora", "funnel-conversion", **MARCH)
    rows = {(r["stage"], r["later_stage"]): (r["entered"], r["reached"], r["share"]) for r in funnel}
    # New: d1..d5 entered; in New for 2, 4, 1 and 6 hours (d3 is still there).
    assert rows[("New", "Qualification")] == (5, 2, "0.4000")
    assert rows[("New", "Proposal")] == (5, 2, "0.4000")  # d1, and d4 which skipped Qualification
    assert rows[("New", "Negotiation")] == (5, 0, "0.0000")
    assert rows[("New", "Won")] == (5, 2, "0.4000")
    assert rows[("New", "Lost")] == (5, 1, "0.2000")
    assert rows[("Qualification", "Proposal")] == (2, 1, "0.5000")
    assert rows[("Qualification", "Won")] == (2, 1, "0.5000")
    assert rows[("Proposal", "Won")] == (2, 1, "0.5000")
    assert rows[("Won", "Lost")] == (2, 0, "0.0000")
    assert rows[("Lost", None)] == (1, 0, "0.0000")
    times = {r["stage"]: (r["median_hours"], r["p90_hours"]) for r in funnel}
    assert times["New"] == ("3.00", "5.40")  # of 1, 2, 4, 6 hours
    assert times["Qualification"] == ("12.00", "18.40")  # of 4 and 20
    assert times["Proposal"] == ("24.00", "24.00")  # d1's 24 hours; d4 is still there
    assert times["Won"] == (None, None)
    late = report(crm, "dora", "funnel-conversion", **{"from": "2026-03-02T12:00:00+00:00", "to": "2026-03-31"})
    # From hour 3: d4 and d5 entered New, d2 Qualification, d4 and d1 Proposal, d5 and d1 Won, d2 Lost.
    entered = {("New", 2), ("Qualification", 1), ("Proposal", 2), ("Won", 2), ("Lost", 1)}
    assert {(r["stage"], r["entered"]) for r in late} == entered


def test_each_role_reads_the_records_it_may_see_and_no_others(sales: tuple[World, History]) -> None:
    crm, h = sales
    managers = {
        "anna": [("Anna",)],
        "boris": [("Boris",)],
        "hanna": [("Anna",), ("Boris",)],
        "sven": [("Sam",), ("Sven",)],
        "dora": [("Anna",), ("Boris",), ("Sam",), ("Sven",)],
    }
    for who, seen in managers.items():
        assert picked(report(crm, who, "deals-by-manager"), "manager") == seen, who
    assert report(crm, "sven", "deals-by-manager", department="north") == []  # another head's department: nothing
    assert report(crm, "sam", "won-deals", responsible=str(crm.ids["anna"])) == []
    assert [r["deal_id"] for r in report(crm, "sven", "won-deals")] == [str(h.deals["d5"])]
    assert [r["deal_id"] for r in report(crm, "hanna", "won-deals")] == [str(h.deals["d1"])]
    assert picked(report(crm, "boris", "open-deals-by-stage"), "stage", "deals", "share") == [("New", 1, "1.0000")]
    board = report(crm, "anna", "deal-board")
    assert {(r["stage"], r["deals"]) for r in board if r["deals"]} == {("Won", 1), ("Lost", 1)}


def test_activities_are_counted_due_overdue_and_done_per_manager_and_department(crm_sales: World) -> None:
    crm = crm_sales
    deal = sales_history(crm).deals["d3"]
    now = datetime.now(UTC)
    ids = crm.ids

    def task(who: str, title: str, due: timedelta | None) -> UUID:
        activity = NewActivity("task", "deal", deal, title, due_at=None if due is None else now + due)
        return schedule_activity(crm.store, replace(activity, responsible_id=ids[who]), ids["boris"])

    task("anna", "Call back", -timedelta(days=1))
    task("anna", "Send offer", timedelta(days=7))
    complete_activity(crm.store, task("anna", "Visit", timedelta(days=2)), "visited", ids["anna"])
    task("boris", "Some day", None)
    task("sam", "Late", -timedelta(hours=1))
    crm.projected()
    counts = ("manager", "department", "due", "overdue", "done")
    assert picked(report(crm, "dora", "activities"), *counts) == [
        ("Anna", "north", 1, 1, 1),
        ("Boris", "north", 1, 0, 0),
        ("Sam", "south", 0, 1, 0),
    ]
    assert picked(report(crm, "hanna", "activities"), "manager") == [("Anna",), ("Boris",)]
    assert picked(report(crm, "anna", "activities"), "manager") == [("Anna",)]
    assert picked(report(crm, "dora", "activities-by-department"), "department", "due", "overdue", "done") == [
        ("north", 2, 1, 1),
        ("south", 0, 1, 0),
    ]
    assert picked(report(crm, "sven", "activities-by-department"), "department") == [("south",)]
    tomorrow = (now + timedelta(days=1)).date().isoformat()
    week = report(crm, "dora", "activities", **{"from": tomorrow, "to": (now + timedelta(days=8)).date().isoformat()})
    assert picked(week, *counts) == [("Anna", "north", 1, 0, 0), ("Boris", "north", 1, 0, 0)]


def test_operators_work_is_measured_from_their_leads(crm_sales: World) -> None:
    crm = crm_sales
    anna = crm.ids["anna"]
    routed(crm.store, change_work_day, anna, "start")
    north = build_event_store(crm.settings.model_copy(update={"team": "north"}))
    try:
        received = [
            receive_messages(north, [InboundMessage.from_visitor(f"v{n}", f"m{n}", "Hello?", datetime.now(UTC))])[0]
            for n in range(3)
        ]
    finally:
        north.close()
    assert {r.assigned_to for r in received} == {anna}
    conversations = [r.conversation_id for r in received]
    assert None not in conversations
    reply(crm.store, conversations[0], anna, "Hello! Yes.", "reply-0")  # type: ignore[arg-type]
    reply(crm.store, conversations[1], anna, "Hello!", "reply-1")  # type: ignore[arg-type]
    routed(crm.store, close_conversation, conversations[0], anna)
    # Reopened, answered again: a second lead of the conversation, which it still counts once.
    assert routed(crm.store, reopen_conversation, conversations[0], anna).holder == anna
    reply(crm.store, conversations[0], anna, "Back again.", "reply-2")  # type: ignore[arg-type]
    lead = {"title": "From the widget", "currency": "EUR", "lead_id": str(received[1].lead_id)}
    assert crm.post("anna", "/api/deals", lead).status_code == 201
    crm.projected()
    # A deal's source is its lead's: the channel, as the widget's messages name no source of their own.
    assert picked(report(crm, "dora", "deals-by-manager", source="webchat"), "manager", "deals") == [("Anna", 1)]
    assert report(crm, "dora", "deals-by-manager", source="telegram") == []
    [row] = report(crm, "dora", "operators")
    assert (row["manager"], row["queue"], row["leads_routed"], row["conversations_handled"]) == ("Anna", "", 4, 2)
    first, worst, resolved = (
        Decimal(row[c]) for c in ("first_response_median_s", "first_response_p90_s", "resolution_median_s")
    )
    assert Decimal(0) <= first <= worst <= resolved
    assert Decimal(row["waited_median_s"]) >= 0
    assert report(crm, "hanna", "operators") == report(crm, "anna", "operators") == [row]
    assert report(crm, "boris", "operators") == report(crm, "sven", "operators") == []
    assert report(crm, "dora", "operators", **{"from": "2026-01-01", "to": "2026-01-31"}) == []


def test_reports_are_exported_as_csv_and_xlsx_with_formulas_kept_as_text(sales: tuple[World, History]) -> None:
    crm, _ = sales
    trap = '=HYPERLINK("http://evil.example","click")'
    opened = crm.post("anna", "/api/deals", {"title": trap, "currency": "EUR", "amount": "5"})
    assert opened.status_code == 201, opened.text
    move_deal(crm.store, UUID(opened.json()["id"]), STAGE["Won"], crm.ids["anna"])
    crm.projected()
    shown = crm.get("anna", "/api/reports/won-deals").json()

    as_csv = crm.get("anna", "/api/reports/won-deals", format="csv")
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="won-deals.csv"' in as_csv.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert lines[0] == shown["columns"]
    expected = [["" if v is None else str(v) for v in row.values()] for row in shown["rows"]]
    expected[0][shown["columns"].index("title")] = "'" + trap  # neutralised: shown as text, never run
    assert lines[1:] == expected

    as_xlsx = crm.get("anna", "/api/reports/won-deals", format="xlsx")
    assert as_xlsx.status_code == 200, as_xlsx.text
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    cells = list(sheet.iter_rows())
    assert [c.value for c in cells[0]] == shown["columns"]
    title = cells[1][shown["columns"].index("title")]
    assert (title.value, title.data_type) == ("'" + trap, "s")  # a text cell, neutralised as in CSV
    assert [Decimal(str(row[shown["columns"].index("amount")].value)) for row in cells[1:]] == [
        Decimal(r["amount"]) for r in shown["rows"]
    ]
    closed = cells[1][shown["columns"].index("closed_at")].value
    # XLSX keeps times to the millisecond, in UTC.
    assert abs(closed.replace(tzinfo=UTC) - datetime.fromisoformat(shown["rows"][0]["closed_at"])) < timedelta(
        milliseconds=1
    )


def test_an_export_needs_the_export_permission_and_bad_filters_are_named(sales: tuple[World, History]) -> None:
    crm, _ = sales
    gateway = crm.http.app.state.gateway  # type: ignore[attr-defined]
    gateway.sales.permissions = Permissions({(Role.MANAGER, Entity.REPORT, Action.EXPORT): Scope.NONE})
    refused = crm.get("anna", "/api/reports/deals-by-manager", format="csv")
    assert (refused.status_code, refused.json()["error"]) == (403, "your role may not export reports")
    assert crm.get("anna", "/api/reports/deals-by-manager").status_code == 200
    assert crm.get("hanna", "/api/reports/deals-by-manager", format="xlsx").status_code == 200
    gateway.sales.permissions = Permissions({(Role.MANAGER, Entity.REPORT, Action.VIEW): Scope.NONE})
    assert crm.get("anna", "/api/reports/deals-by-manager").status_code == 403

    assert crm.http.get("/api/reports/won-deals").status_code == 401
    assert crm.get("dora", "/api/reports/best-friends").status_code == 404
    for params, field in (
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"min_amount": "lots"}, "min_amount"),
        ({"min_amount": "NaN"}, "min_amount"),
        ({"pipeline": "sales"}, "pipeline"),
        ({"department": "north\x00"}, "department"),
        ({"format": "pdf"}, "format"),
    ):
        answer = crm.get("dora", "/api/reports/won-deals", **params)
        assert (answer.status_code, answer.json()["field"]) == (400, field), params
    wrong = crm.get("dora", "/api/reports/activities", pipeline=str(UUID(int=1)))
    assert (wrong.status_code, wrong.json()["field"]) == (400, "pipeline")
    listed = crm.get("anna", "/api/reports").json()["reports"]
    assert len(listed) == 15
    assert {"deals-by-manager", "product-income", "funnel-conversion", "operators"} <= {r["name"] for r in listed}
