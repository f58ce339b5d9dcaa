"""A contact as an imported file describes it, and the rules each row must pass to become one.

A file's row keeps every cell under the field its column maps to, with the column's own name, so
an error names the column the user sees (``'Телефон' is not a valid number``). Rows are numbered by
the line of the file they start on. Ids are derived from the import and the line, so running the
same import again changes nothing that is already there.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from uuid import UUID, uuid5

from domain.company_directory import company_name_key
from domain.contact_details import MAX_CUSTOM_TEXT_LENGTH, checked_name
from domain.emails import email_address
from domain.phones import Phone, phone_number
from domain.text import InvalidText, TextKind, checked_text

_NAMESPACE = UUID("0b7d8f55-3f2e-4a55-9c61-51c4a7f2d6e3")
MAX_PHONES = 10
MAX_EMAILS = 10


class ImportField(enum.StrEnum):
    """What a column of an imported file holds."""

    NAME = "name"
    FIRST_NAME = "first_name"
    MIDDLE_NAME = "middle_name"
    LAST_NAME = "last_name"
    PHONE = "phone"
    EMAIL = "email"
    COMPANY = "company"
    TITLE = "title"
    NOTE = "note"
    ADDRESS = "address"


# What a contact keeps of a row beyond its name and addresses: custom fields of these names.
DETAILS = (ImportField.TITLE, ImportField.NOTE, ImportField.ADDRESS)


@dataclass(frozen=True)
class Cell:
    """One value as the file had it, and the column (a CSV header, a vCard property) it was in."""

    column: str
    text: str


@dataclass(frozen=True)
class ImportRow:
    """One contact as a file describes it; ``line`` is where it starts in the file."""

    line: int
    cells: dict[ImportField, list[Cell]] = field(default_factory=dict)
    name_column: str = "name"  # where the name would be, to name it when the row has none

    def add(self, what: ImportField, column: str, text: str) -> None:
        """Keep a cell's value under its field; blank cells are nothing."""
        if text.strip():
            self.cells.setdefault(what, []).append(Cell(column, text))


@dataclass(frozen=True)
class ImportedContact:
    """A row that passed every rule: a name, addresses in their one form, a company and details."""

    line: int
    name: str
    phones: tuple[Phone, ...] = ()
    emails: tuple[str, ...] = ()
    company: str = ""
    details: tuple[tuple[str, str], ...] = ()  # (custom field, text)

    @property
    def addresses(self) -> tuple[str, ...]:
        """Its e-mails and phones as the address book keys them."""
        return (*(f"email:{e}" for e in self.emails), *(f"phone:{p.number}" for p in self.phones))


@dataclass(frozen=True)
class RefusedRow:
    """A row left out, with its line, the column at fault (if one) and why."""

    line: int
    column: str
    reason: str


def checked_row(row: ImportRow, default_region: str = "") -> ImportedContact:
    """The contact ``row`` describes; InvalidText whose ``field`` is the column at fault.

    The name is the name column, or the first, middle and last names joined. Repeated phones and
    e-mails (in any spelling of the same address) count once.
    """
    cells = row.cells
    name_cells = cells.get(ImportField.NAME) or [
        c for f in (ImportField.FIRST_NAME, ImportField.MIDDLE_NAME, ImportField.LAST_NAME) for c in cells.get(f, [])
    ]
    if not name_cells:
        raise InvalidText(row.name_column, "must not be empty: a contact needs a name")
    name = " ".join(c.text.strip() for c in name_cells)
    checked_name(name, field=name_cells[0].column)
    phone_cells, email_cells = cells.get(ImportField.PHONE, []), cells.get(ImportField.EMAIL, [])
    phones = {p.number: p for p in (phone_number(c.text, default_region, field=c.column) for c in phone_cells)}
    emails = dict.fromkeys(email_address(c.text, field=c.column) for c in email_cells)
    for count, given, most in ((len(phones), phone_cells, MAX_PHONES), (len(emails), email_cells, MAX_EMAILS)):
        if count > most:
            raise InvalidText(given[0].column, f"holds more than {most} addresses for one contact")
    company = " ".join(c.text.strip() for c in cells.get(ImportField.COMPANY, []))
    if company:
        checked_name(company, field=cells[ImportField.COMPANY][0].column)
    details = []
    for what in DETAILS:
        detail_cells = cells.get(what, [])
        if detail_cells:
            text = "\n".join(c.text.strip() for c in detail_cells)
            checked_text(detail_cells[0].column, text, max_length=MAX_CUSTOM_TEXT_LENGTH, kind=TextKind.TEXT)
            details.append((what.value, text))
    return ImportedContact(row.line, name.strip(), tuple(phones.values()), tuple(emails), company, tuple(details))


def import_id(file_sha256: str) -> UUID:
    """The import of one file: the same bytes are the same import, which a second run continues."""
    return uuid5(_NAMESPACE, f"import/{file_sha256}")


@functools.lru_cache(maxsize=4096)  # asked for a few times for each row of a batch
def imported_contact_id(import_of: UUID, line: int) -> UUID:
    """The contact one line of an import creates, so a second run finds it instead of making another."""
    return uuid5(_NAMESPACE, f"contact/{import_of}/{line}")


@functools.lru_cache(maxsize=4096)  # the rows of one company name it one after another
def imported_company_id(name: str) -> UUID:
    """The company an import names: one per name, whatever its case, spacing or legal form, across imports."""
    return uuid5(_NAMESPACE, f"company/{company_name_key(name)}")
