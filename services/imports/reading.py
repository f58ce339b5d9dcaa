"""A file's rows, each checked: a vCard address book or a CSV spreadsheet, told apart by name and content."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from connectors.imports.spreadsheet import open_sheet
from connectors.imports.vcards import BrokenCard, cards
from domain.import_rows import ImportedContact, ImportRow, RefusedRow, checked_row
from domain.text import InvalidText


@dataclass(frozen=True)
class ReadFile:
    """Every row of a file in order, as a contact to save or a refusal, and how the file was read."""

    kind: str
    rows: list[ImportedContact | RefusedRow]
    encoding: str = ""
    delimiter: str = ""
    ignored_columns: tuple[str, ...] = field(default=())


def is_vcard(filename: str, data: bytes) -> bool:
    """Whether the file is an address book (by its name, or its first line) rather than a spreadsheet."""
    if filename.lower().endswith((".vcf", ".vcard")):
        return True
    return data[:200].lstrip(b"\xef\xbb\xbf \r\n\t").upper().startswith(b"BEGIN:VCARD")


def read_file(
    data: bytes, filename: str, mapping: Mapping[str, str] | None = None, default_region: str = ""
) -> ReadFile:
    """The file's rows checked; UnreadableFile when the file (or the mapping) cannot be used at all."""
    if is_vcard(filename, data):
        rows = [
            RefusedRow(c.line, "", c.reason) if isinstance(c, BrokenCard) else _checked(c, default_region)
            for c in cards(data)
        ]
        return ReadFile("vcard", rows)
    sheet = open_sheet(data, mapping)
    rows = [_checked(r, default_region) for r in sheet.rows()]
    return ReadFile("csv", rows, sheet.encoding, sheet.delimiter, sheet.ignored)


def _checked(row: ImportRow, default_region: str) -> ImportedContact | RefusedRow:
    try:
        return checked_row(row, default_region)
    except InvalidText as error:
        return RefusedRow(row.line, error.field, str(error))
