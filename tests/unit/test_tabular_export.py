"""Tables written as CSV and XLSX: what a spreadsheet would run is written as text, and values keep their type."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from services.console.tabular_export import FORMULA_STARTS, Table, csv_bytes, xlsx_bytes

TRAPS = ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']


def read_csv(table: Table) -> list[list[str]]:
    content = csv_bytes(table)
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_a_csv_cell_a_spreadsheet_would_take_for_a_formula_is_written_as_text() -> None:
    rows = read_csv(Table("t", ("name",), [(trap,) for trap in TRAPS]))
    assert rows[1:] == [["'" + trap] for trap in TRAPS]


def test_numbers_days_times_and_ids_are_written_as_they_are() -> None:
    at = datetime(2026, 3, 2, 11, tzinfo=timezone(timedelta(hours=2)))
    row = (Decimal("-12.50"), -3, date(2026, 3, 2), at, UUID(int=1), None, "plain")
    [header, written] = read_csv(Table("t", ("a", "b", "c", "d", "e", "f", "g"), [row]))
    assert header == ["a", "b", "c", "d", "e", "f", "g"]
    assert written == ["-12.50", "-3", "2026-03-02", "2026-03-02T09:00:00+00:00", str(UUID(int=1)), "", "plain"]


@given(st.lists(st.text(), max_size=5))
def test_any_text_comes_back_from_csv_and_none_starts_a_formula(texts: list[str]) -> None:
    rows = read_csv(Table("t", ("text",), [(t,) for t in texts]))
    for text, [written] in zip(texts, rows[1:], strict=True):
        assert not written.startswith(FORMULA_STARTS)
        assert written in (text, "'" + text)


def test_an_xlsx_sheet_reads_back_with_text_as_text_and_numbers_as_numbers() -> None:
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    table = Table(
        "won/deals: [March]",
        ("title", "amount", "count", "closed_at", "day"),
        [
            (TRAPS[0], Decimal("1000.50"), 3, at, date(2026, 3, 2)),
            ("Tyres", Decimal(0), 0, None, None),
        ],
    )
    book = load_workbook(io.BytesIO(xlsx_bytes(table)))
    sheet = book.active
    assert sheet is not None
    assert sheet.title == "wondeals March"
    cells = list(sheet.iter_rows())
    assert [c.value for c in cells[0]] == list(table.columns)
    assert (cells[1][0].value, cells[1][0].data_type) == (TRAPS[0], "s")
    assert (cells[1][1].value, cells[1][2].value) == (1000.5, 3)
    assert cells[1][3].value == at.replace(tzinfo=None)
    assert [c.value for c in cells[2]] == ["Tyres", 0, 0, None, None]
