"""Contacts out of a CSV file as a spreadsheet saves it: whatever its delimiter, encoding and header language.

The encoding is told by a byte-order mark when there is one, is UTF-8 when the bytes are, and is
otherwise guessed by charset-normalizer (Excel saves Russian text as cp1251). The delimiter is
sniffed from the first lines. Headers are recognised in English and Russian; an explicit mapping
(column -> field) overrides them, and columns mapped to nothing are ignored.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from charset_normalizer import from_bytes

from connectors.imports import UnreadableFile
from domain.import_rows import ImportField, ImportRow

F = ImportField
SNIFFED_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
SKIP = "skip"  # a mapping's word for a column to leave out
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_HEADERS: dict[str, ImportField] = {
    **dict.fromkeys(("name", "full name", "contact", "contact name", "фио", "имя фамилия", "контакт"), F.NAME),
    **dict.fromkeys(("first name", "given name", "имя"), F.FIRST_NAME),
    **dict.fromkeys(("middle name", "отчество"), F.MIDDLE_NAME),
    **dict.fromkeys(("last name", "surname", "family name", "фамилия"), F.LAST_NAME),
    **dict.fromkeys(
        (
            "phone",
            "phones",
            "telephone",
            "mobile",
            "mobile phone",
            "work phone",
            "tel",
            "телефон",
            "телефоны",
            "мобильный",
            "мобильный телефон",
            "рабочий телефон",
            "тел",
        ),
        F.PHONE,
    ),
    **dict.fromkeys(
        ("email", "e-mail", "emails", "mail", "e-mail address", "почта", "эл. почта", "электронная почта"), F.EMAIL
    ),
    **dict.fromkeys(("company", "organization", "organisation", "компания", "организация", "фирма"), F.COMPANY),
    **dict.fromkeys(("title", "job title", "position", "должность"), F.TITLE),
    **dict.fromkeys(("note", "notes", "comment", "comments", "примечание", "комментарий", "заметки"), F.NOTE),
    **dict.fromkeys(("address", "postal address", "адрес", "почтовый адрес"), F.ADDRESS),
}
# Several phones or e-mails in one cell, as people type them.
_SEPARATORS = {F.PHONE: re.compile(r"[;,]"), F.EMAIL: re.compile(r"[;,\s]")}


def header_key(header: str) -> str:
    """A header as compared with the known ones: case, blanks, underscores and ё do not matter."""
    return re.sub(r"[\s_]+", " ", header.casefold().replace("ё", "\u0435")).strip()


@dataclass(frozen=True)
class Sheet:
    """A CSV file opened: its columns, which field each maps to (or none), and its rows to read."""

    columns: tuple[str, ...]
    fields: tuple[ImportField | None, ...]
    encoding: str
    delimiter: str
    text: str

    @property
    def ignored(self) -> tuple[str, ...]:
        """The columns that map to no field."""
        return tuple(c for c, f in zip(self.columns, self.fields, strict=True) if f is None)

    @property
    def name_column(self) -> str:
        """The first column that holds the name or a part of it."""
        names = (F.NAME, F.FIRST_NAME, F.LAST_NAME)
        return next((c for c, f in zip(self.columns, self.fields, strict=True) if f in names), "name")

    def rows(self) -> Iterator[ImportRow]:
        """Each data row, numbered by the file line it starts on; wholly blank rows are skipped."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        next(reader, None)
        line = reader.line_num + 1
        for cells in _read(reader):
            row = ImportRow(line, name_column=self.name_column)
            for column, what, text in zip(self.columns, self.fields, cells, strict=False):
                if what is None:
                    continue
                separator = _SEPARATORS.get(what)
                for part in separator.split(text) if separator else [text]:
                    row.add(what, column, part.strip())
            if row.cells or any(c.strip() for c in cells):
                yield row
            line = reader.line_num + 1


def _read(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as error:  # a cell past the size limit, a quote never closed at the end
        line = getattr(reader, "line_num", 0)
        msg = f"line {line} cannot be read as CSV: {error}"
        raise UnreadableFile(msg) from None


def decoded(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read in; UnreadableFile when it is no text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                msg = f"the file starts as {encoding} but is not: byte {error.start} cannot be read"
                raise UnreadableFile(msg) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        msg = "the file is not text in any encoding a spreadsheet saves"
        raise UnreadableFile(msg)
    return str(best), best.encoding


def open_sheet(data: bytes, mapping: Mapping[str, str] | None = None) -> Sheet:
    """The CSV file ``data`` with its columns mapped; UnreadableFile naming what is wrong with it or the mapping.

    ``mapping`` names columns (as in the header) and the field each holds, or ``skip``.
    """
    text, encoding = decoded(data)
    if "\x00" in text:
        msg = "the file holds NUL characters: it is not a CSV file"
        raise UnreadableFile(msg)
    sample = text[:SNIFFED_BYTES]
    first = sample.splitlines()[0] if sample.strip() else ""
    if not first.strip():
        msg = "the file is empty: its first line must be the header"
        raise UnreadableFile(msg)
    try:
        delimiter = csv.Sniffer().sniff(sample.rpartition("\n")[0] or sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = max(DELIMITERS, key=first.count)  # one column, or too few lines to tell: the commonest
    columns = tuple(c.strip() for c in next(csv.reader([first], delimiter=delimiter)))
    fields = _fields(columns, mapping or {})
    if not any(f in (F.NAME, F.FIRST_NAME, F.LAST_NAME) for f in fields):
        msg = f"no column holds the name: the header {list(columns)} has none known; map one with name=COLUMN"
        raise UnreadableFile(msg)
    return Sheet(columns, fields, encoding, delimiter, text)


def _fields(columns: tuple[str, ...], mapping: Mapping[str, str]) -> tuple[ImportField | None, ...]:
    by_key = {header_key(k): v for k, v in mapping.items()}
    known = {header_key(c) for c in columns}
    for column, wanted in mapping.items():
        if header_key(column) not in known:
            msg = f"the mapping names the column {column!r}, which the header {list(columns)} does not have"
            raise UnreadableFile(msg)
        if wanted != SKIP and wanted not in ImportField.__members__.values():
            choices = ", ".join([*ImportField, SKIP])
            msg = f"the mapping maps {column!r} to {wanted!r}, which is not one of: {choices}"
            raise UnreadableFile(msg)
    fields: list[ImportField | None] = []
    for column in columns:
        key = header_key(column)
        mapped = by_key.get(key)
        fields.append(None if mapped == SKIP else ImportField(mapped) if mapped else _HEADERS.get(key))
    return tuple(fields)
