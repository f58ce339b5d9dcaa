"""Exports of contacts, companies, leads and deals: each role gets exactly what it may export, as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from application.event_store import EventStore
from application.work_day import change_work_day
from services.settings import Settings
from tests.integration.crm_world import PEOPLE, World, world
from tests.integration.people_world import entered, lead_of
from tests.integration.test_people_roles import LEADS_SEEN, SEEN
from tests.router_reactions import routed

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
OWNERS = {"A": "anna", "B": "boris", "S": "sam"}


@pytest.fixture
def crm(store: EventStore, settings: Settings) -> Iterator[World]:
    with world(store, settings) as w:
        yield w


def rows_of(crm: World, who: str, kind: str, **params: str) -> list[dict[str, str]]:
    answer = crm.get(who, f"/api/exports/{kind}", **params)
    assert answer.status_code == 200, (who, kind, answer.text)
    assert answer.content.startswith(b"\xef\xbb\xbf")  # UTF-8, said to spreadsheets
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_each_role_exports_exactly_what_it_may_and_cells_never_run(crm: World) -> None:
    contacts = {
        name: entered(crm, who, "/api/contacts", {"name": f'=HYPERLINK("x","{name}")', "phones": [f"+3712000000{n}"]})
        for n, (name, who) in enumerate(OWNERS.items())
    }
    companies = {name: entered(crm, who, "/api/companies", {"name": f"Company {name}"}) for name, who in OWNERS.items()}
    routed(crm.store, change_work_day, crm.ids["anna"], "start")
    routed(crm.store, change_work_day, crm.ids["sam"], "start")
    leads = {"A": str(lead_of(crm, "north", "va")[0]), "S": str(lead_of(crm, "south", "vs")[0])}
    crm.projected()

    for who in PEOPLE:
        for kind, records, seen in (
            ("contacts", contacts, SEEN[who]),
            ("companies", companies, SEEN[who]),
            ("leads", leads, LEADS_SEEN[who]),
        ):
            names = {record: name for name, record in records.items()}
            exported = rows_of(crm, who, kind)
            assert {names[r["id"]] for r in exported if r["id"] in names} == seen, (who, kind)
    anna = rows_of(crm, "anna", "contacts")
    [own] = [row for row in anna if row["id"] == contacts["A"]]
    assert own["name"] == '\'=HYPERLINK("x","A")'  # shown as text, never a formula
    assert own["phones"] == "'+37120000000"  # a CSV cell starting with + is a formula to a spreadsheet
    # The list's filters apply; a filter the list has not is refused, naming it.
    sams = {r["id"] for r in rows_of(crm, "dora", "contacts", responsible=str(crm.ids["sam"]))}
    assert sams & set(contacts.values()) == {contacts["S"]}
    refused = crm.get("dora", "/api/exports/companies", tag="x")
    assert (refused.status_code, refused.json()["error"].startswith("'tag'")) == (400, True)


def test_an_xlsx_export_reads_back_and_bad_asks_are_refused(crm: World) -> None:
    entered(crm, "anna", "/api/contacts", {"name": "+SUM(A1)", "emails": ["ilze@example.lv"]})
    crm.projected()
    answer = crm.get("anna", "/api/exports/contacts", format="xlsx")
    assert answer.status_code == 200, answer.text
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:4] == ("id", "name", "phones", "emails")
    [(_, name, _, emails, *_)] = rows
    assert (name, emails) == ("'+SUM(A1)", "ilze@example.lv")  # a text cell, neutralised as in CSV
    assert sheet.cell(2, 2).data_type == "s"
    assert rows_of(crm, "dora", "deals") == []  # a header, and no deal yet
    assert crm.get("dora", "/api/exports/deals", q="x").status_code == 400
    assert crm.get("anna", "/api/exports/contacts", format="pdf").status_code == 400
    assert crm.get("anna", "/api/exports/passwords").status_code == 404
    assert crm.http.get("/api/exports/contacts").status_code == 401
