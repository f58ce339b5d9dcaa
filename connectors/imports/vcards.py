"""Contacts out of an address book exported as vCard (3.0 or 4.0): one card, one contact.

Each card is parsed on its own by vobject, so a broken card is reported with its line and the cards
around it are read. The column a value came from is its vCard property (``TEL``, ``EMAIL``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import vobject

from connectors.imports import UnreadableFile
from connectors.imports.spreadsheet import decoded
from domain.import_rows import ImportField, ImportRow

F = ImportField
_SIMPLE = {"tel": F.PHONE, "email": F.EMAIL, "title": F.TITLE, "note": F.NOTE}


@dataclass(frozen=True)
class BrokenCard:
    """A card vobject cannot read; ``line`` is where it begins."""

    line: int
    reason: str


def cards(data: bytes) -> Iterator[ImportRow | BrokenCard]:
    """Every card of the file in order, read or broken; UnreadableFile when the file holds no card at all."""
    text, _ = decoded(data)
    found = False
    for line, chunk in _chunks(text):
        found = True
        try:
            card = vobject.readOne(chunk)
        except Exception as error:  # noqa: BLE001 - vobject raises many kinds; each is one broken card
            yield BrokenCard(line, f"the card cannot be read: {error}".splitlines()[0][:300])
            continue
        yield _row(line, card)
    if not found:
        msg = "the file holds no vCard: no line reads BEGIN:VCARD"
        raise UnreadableFile(msg)


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """Each card's text with the line it begins on; what lies between cards is left out."""
    start, lines = 0, list[str]()
    for number, line in enumerate(text.splitlines(), start=1):
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            start, lines = number, []
        if start:
            lines.append(line)
        if upper == "END:VCARD" and start:
            yield start, "\r\n".join(lines) + "\r\n"
            start = 0
    if start:
        yield start, "\r\n".join(lines) + "\r\n"  # unterminated: vobject says what is missing


def _row(line: int, card: vobject.base.Component) -> ImportRow:
    row = ImportRow(line, name_column="FN")
    for prop in card.getChildren():
        name = prop.name.lower()
        value = prop.value
        if name == "fn":
            row.add(F.NAME, "FN", str(value))
        elif name == "n" and isinstance(value, vobject.vcard.Name):
            row.add(F.FIRST_NAME, "N", _joined(value.given))
            row.add(F.MIDDLE_NAME, "N", _joined(value.additional))
            row.add(F.LAST_NAME, "N", _joined(value.family))
        elif name in _SIMPLE:
            row.add(_SIMPLE[name], prop.name.upper(), _joined(value).removeprefix("tel:"))
        elif name == "org":
            row.add(F.COMPANY, "ORG", _joined(value[:1]) if isinstance(value, list) else str(value))
        elif name == "adr" and isinstance(value, vobject.vcard.Address):
            parts = (value.box, value.extended, value.street, value.city, value.region, value.code, value.country)
            row.add(F.ADDRESS, "ADR", ", ".join(p for p in map(_joined, parts) if p.strip()))
    return row


def _joined(value: object) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value if str(v).strip())
    return str(value)
