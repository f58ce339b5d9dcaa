"""Tables as files people open in a spreadsheet: CSV (UTF-8 with a BOM) and XLSX.

Any export of rows writes through here. A text that starts with ``=``, ``+``, ``-``, ``@`` (their
full-width forms, a tab or a carriage return, after any leading blanks) is a formula to a spreadsheet,
so in either format it is written with a leading apostrophe: a name such as ``=HYPERLINK(...)`` typed
by a customer is shown, never run, and stays text when the workbook is saved again as CSV. Every CSV
cell is quoted, so a spreadsheet that splits lines on ``;`` (its list separator in many locales) cannot
cut a cell into a new one starting with ``=``. XLSX cells are written as values of their type (a text
is a text cell, never a formula); characters a workbook cannot hold are left out. Header cells are
treated as the rows are. Amounts stay exact: decimal text in CSV, a number cell in XLSX; times are
written in UTC.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from starlette.responses import Response, StreamingResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
BLANKS = " \n\u00a0\u3000"  # what a spreadsheet may skip before it sees a formula
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_SHEET_TITLE = 31  # what Excel allows


class TableFormat(enum.StrEnum):
    """The file formats a table is exported in."""

    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class Table:
    """Rows under named columns, with the title a file of them is named after."""

    title: str
    columns: tuple[str, ...]
    rows: Sequence[Sequence[object]]
    next: str | None = None  # the cursor to the rows after these, when they are a page of more


def csv_bytes(table: Table) -> bytes:
    """The table as CSV: a header line, then a line per row; formula-like cells neutralised."""
    return csv_part(table.rows, table.columns)


def csv_part(rows: Sequence[Sequence[object]], columns: Sequence[str] | None = None) -> bytes:
    """Lines of CSV for ``rows``; with ``columns``, the file's start (its BOM and header line) before them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    if columns is not None:
        out.write("\ufeff")  # the BOM tells spreadsheets it is UTF-8
        writer.writerow([_csv_cell(c) for c in columns])
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(table: Table) -> bytes:
    """The table as an XLSX workbook of one sheet: a header row, then a row per row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(table.title))
    sheet.append([_xlsx_cell(sheet, c) for c in table.columns])
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_response(table: Table, form: TableFormat) -> Response:
    """The table as a download in ``form``, named after its title."""
    headers = _attachment(table.title, form)
    if form is TableFormat.CSV:
        return Response(csv_bytes(table), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(xlsx_bytes(table), media_type=XLSX_TYPE, headers=headers)


def streamed_csv(title: str, parts: AsyncIterator[bytes]) -> StreamingResponse:
    """A CSV download sent as its ``parts`` are made (from ``csv_part``), named after ``title``."""
    return StreamingResponse(parts, media_type="text/csv; charset=utf-8", headers=_attachment(title, TableFormat.CSV))


def _attachment(title: str, form: TableFormat) -> dict[str, str]:
    name = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in title) or "table"
    return {"Content-Disposition": f'attachment; filename="{name}.{form.value}"'}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula."""
    return text.lstrip(BLANKS).startswith(FORMULA_STARTS)


def _neutral(text: str) -> str:
    return "'" + text if is_formula_like(text) else text


def _csv_cell(value: object) -> str:
    text = _text(value)
    if isinstance(value, int | float | Decimal):
        return text  # a number, negative ones included, is a number
    return _neutral(text)


def _xlsx_cell(sheet: Any, value: object) -> object:  # noqa: ANN401 - openpyxl's sheet is untyped
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)  # XLSX holds no zone; the column is UTC
    if isinstance(value, date):
        return value
    text = _neutral(ILLEGAL_CHARACTERS_RE.sub("", _text(value)))
    # openpyxl takes any text starting with "=" for a formula: every text cell is told it is text.
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = TYPE_STRING
    return cell


def _sheet_title(title: str) -> str:
    cleaned = "".join(c for c in title if c not in "[]:*?/\\")
    return cleaned[:MAX_SHEET_TITLE] or "Sheet"
