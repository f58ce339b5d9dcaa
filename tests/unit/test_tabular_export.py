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
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from services.console.tabular_export import BLANKS, FORMULA_STARTS, Table, csv_bytes, xlsx_bytes

TRAPS = [
    "=1+2",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    '=HYPERLINK("http://x","y")',
    " =1+2",
    "\n=1+2",
    "\uff1dSUM(A1)",  # a full-width equals sign, a formula to spreadsheets in East Asian locales
    "\u00a0@SUM(A1)",
]


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
        assert not written.lstrip(BLANKS).startswith(FORMULA_STARTS)
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
    assert (cells[1][0].value, cells[1][0].data_type) == ("'" + TRAPS[0], "s")
    assert (cells[1][1].value, cells[1][2].value) == (1000.5, 3)
    assert cells[1][3].value == at.replace(tzinfo=None)
    assert [c.value for c in cells[2]] == ["Tyres", 0, 0, None, None]


def test_every_csv_cell_is_quoted_so_a_semicolon_cannot_start_a_cell_of_its_own() -> None:
    content = csv_bytes(Table("t", ("name",), [('Ann;=HYPERLINK("http://x","y")',), (-3,)])).decode("utf-8-sig")
    assert content.splitlines()[1:] == ['"Ann;=HYPERLINK(""http://x"",""y"")"', '"-3"']
    # Read with ";" as the separator, the quoted cell stays whole.
    assert list(csv.reader(content.splitlines()[1:2], delimiter=";")) == [['Ann;=HYPERLINK("http://x","y")']]


def test_header_cells_are_neutralised_as_rows_are_in_both_formats() -> None:
    table = Table("t", ("=cmd|' /C calc'!A0", "name"), [("x", "y")])
    assert read_csv(table)[0] == ["'=cmd|' /C calc'!A0", "name"]
    sheet = load_workbook(io.BytesIO(xlsx_bytes(table))).active
    assert sheet is not None
    header = next(sheet.iter_rows())
    assert [(c.value, c.data_type) for c in header] == [("'=cmd|' /C calc'!A0", "s"), ("name", "s")]


@given(st.lists(st.text(), max_size=5))
def test_any_text_goes_into_xlsx_as_a_text_cell_and_none_starts_a_formula(texts: list[str]) -> None:
    sheet = load_workbook(io.BytesIO(xlsx_bytes(Table("t", ("text",), [(t,) for t in texts])))).active
    assert sheet is not None
    for text, [cell] in zip(texts, list(sheet.iter_rows())[1:], strict=True):
        assert cell.data_type == "s" or cell.value is None
        written = cell.value or ""
        assert isinstance(written, str)
        assert not written.lstrip(BLANKS).startswith(FORMULA_STARTS)
        kept = _lines(ILLEGAL_CHARACTERS_RE.sub("", text))  # XML reads any line break back as \n
        assert _lines(written) in (kept, "'" + kept)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
