"""Reading contacts out of CSV and vCard files: encodings, delimiters, headers, mappings, and the rows' rules."""
# ruff: noqa: RUF001 - Russian spreadsheets are what this reads

from __future__ import annotations

import codecs

import pytest

from connectors.imports import UnreadableFile
from connectors.imports.spreadsheet import open_sheet
from connectors.imports.vcards import BrokenCard, cards
from domain.bulk_mail import MailTemplate
from domain.errors import InvalidField
from domain.import_rows import ImportedContact, ImportField, ImportRow, checked_row
from domain.text import InvalidText

F = ImportField
RUSSIAN = "ФИО;Телефон;Почта\r\nАнна Иванова;+7 916 123-45-67;anna@example.ru\r\n"


def only_row(data: bytes, mapping: dict[str, str] | None = None) -> ImportRow:
    (row,) = open_sheet(data, mapping).rows()
    return row


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (RUSSIAN.encode("cp1251"), "cp1251"),
        (RUSSIAN.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + RUSSIAN.encode("utf-8"), "utf-8-sig"),
        (RUSSIAN.encode("utf-16"), "utf-16"),
    ],
)
def test_a_spreadsheet_reads_in_the_encoding_it_was_saved_in(data: bytes, encoding: str) -> None:
    sheet = open_sheet(data)

    assert (sheet.encoding, sheet.delimiter, sheet.fields) == (encoding, ";", (F.NAME, F.PHONE, F.EMAIL))
    assert only_row(data).cells[F.NAME][0].text == "Анна Иванова"


def test_the_delimiter_is_sniffed_and_several_addresses_in_a_cell_are_each_kept() -> None:
    row = only_row(b'First name,Last name,Phone,Email\nAnna,Berzina,"+37120000001; +37120000002",a@x.lv\n')

    assert [c.text for c in row.cells[F.PHONE]] == ["+37120000001", "+37120000002"]
    assert checked_row(row).name == "Anna Berzina"


def test_a_mapping_names_columns_the_header_does_not_say_and_leaves_others_out() -> None:
    data = b"Who\tTel\tFax\nAnna\t+37120000001\t+37120000009\n"

    sheet = open_sheet(data, {"Who": "name", "Fax": "skip"})

    assert (sheet.fields, sheet.ignored) == ((F.NAME, F.PHONE, None), ("Fax",))


@pytest.mark.parametrize(
    ("data", "mapping", "says"),
    [
        (b"", None, "empty"),
        (b"Fax;Colour\n1;2\n", None, "no column holds the name"),
        (b"Name;Phone\n", {"Nom": "name"}, "'Nom', which the header"),
        (b"Name;Phone\n", {"Phone": "fax"}, "'fax', which is not one of"),
    ],
)
def test_a_file_or_mapping_that_cannot_be_used_is_refused_saying_why(
    data: bytes, mapping: dict[str, str] | None, says: str
) -> None:
    with pytest.raises(UnreadableFile, match=says):
        open_sheet(data, mapping)


@pytest.mark.parametrize(
    ("line", "column", "problem"),
    [
        (";+7 916 123-45-67;anna@example.ru", "ФИО", "must not be empty"),
        ("Анна;12-34;anna@example.ru", "Телефон", "is not a phone number"),
        ("Анна;+7 916 123-45-67;anna@", "Почта", "is not a domain name"),
        ("Анна\x07;+7 916 123-45-67;anna@example.ru", "ФИО", "control character"),
    ],
)
def test_a_bad_row_is_refused_naming_its_column(line: str, column: str, problem: str) -> None:
    row = only_row(f"ФИО;Телефон;Почта\n{line}\n".encode())

    with pytest.raises(InvalidText, match=problem) as refused:
        checked_row(row)
    assert refused.value.field == column


def test_markup_in_a_name_is_kept_as_text() -> None:
    contact = checked_row(only_row("ФИО\n<b>Анна</b>\n".encode()))

    assert contact == ImportedContact(2, "<b>Анна</b>")


def test_a_broken_card_is_reported_by_its_line_and_the_cards_around_it_are_read() -> None:
    book = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna\r\nTEL:+37120000001\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Broken\r\nTEL;VALUE=uri\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Janis\r\nEMAIL:j@x.lv\r\nEND:VCARD\r\n"
    )

    found = list(cards(book))

    assert [type(c) for c in found] == [ImportRow, BrokenCard, ImportRow]
    assert found[1].line == 6
    assert checked_row(found[2]).emails == ("j@x.lv",)  # type: ignore[arg-type]


def test_a_campaign_template_fills_its_fields_as_plain_text_and_always_has_an_unsubscribe_link() -> None:
    template = MailTemplate.checked("News for {name}", "Dear {first_name}")

    subject, text = template.filled({"name": "Anna\r\nBcc: x@y", "first_name": "<b>Anna</b>", "unsubscribe_url": "U"})

    assert subject == "News for Anna Bcc: x@y"
    assert text.startswith("Dear <b>Anna</b>")
    assert text.rstrip().endswith("U")


@pytest.mark.parametrize("text", ["{password}", "{name.__class__}", "a { b"])
def test_a_template_with_an_unknown_field_or_a_stray_brace_is_refused(text: str) -> None:
    with pytest.raises(InvalidField, match="'text'"):
        MailTemplate.checked("Hello", text)
