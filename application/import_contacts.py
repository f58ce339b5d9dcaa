"""Import contacts from a file's rows: each row creates a contact, completes the one it matches, or is refused.

A row matches the contact one of its e-mails or phones belongs to, whether it was there before or an
earlier row of the same file created it; the contact gains what the row has that it lacks (addresses,
company, title, note, address) and keeps what it had. A row whose addresses belong to two contacts is
refused: merging them is a manager's decision. A new contact's id is derived from the import and the
line, so running an import again, or resuming it, creates nothing twice.

Rows are saved a batch per transaction, which reads what the batch touches in one query for the
aggregates and one for the lookalike lists; when a batch fails, its rows are saved one by one, so
one bad row costs only itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.assigning import Assigning
from application.company_matching import company_found, directory_keys, enter_company
from application.contact_matching import add_reach, card_of, claim, owner_of, suggest_lookalikes
from application.errors import AddressTaken
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.company import Company, CompanyDetails
from domain.company_directory import company_entry_id
from domain.contact import Contact, ContactDetails, email_key
from domain.duplicates import ContactCard, lookalike_keys
from domain.errors import DomainError
from domain.identities import address_book_entry_id
from domain.import_rows import ImportedContact, imported_company_id, imported_contact_id

CREATED, UPDATED, UNCHANGED, REFUSED = "created", "updated", "unchanged", "refused"


@dataclass(frozen=True)
class RowOutcome:
    """What became of one row: created, updated or unchanged (with the contact), or refused (with why)."""

    line: int
    verdict: str
    contact_id: UUID | None = None
    column: str = ""
    reason: str = ""


def import_contacts(
    store: EventStore, import_of: UUID, rows: Sequence[ImportedContact], by: UUID, source: str = "import"
) -> list[RowOutcome]:
    """Save ``rows`` (already checked) in one transaction, or one by one if that fails; an outcome per row."""

    def batch(work: UnitOfWork, _: Assigning) -> list[RowOutcome]:
        work.lookalikes.read(k for row in rows for k in lookalike_keys(_card_of(import_of, row)))
        return [_apply(work, import_of, row, by, source) for row in rows]

    try:
        return store.transact(batch, prefetch=lambda: store.load_many(ids_of(import_of, rows)))
    except DomainError:
        pass  # some row cannot be saved: find which, keeping every other
    outcomes = []
    for row in rows:

        def one(work: UnitOfWork, _: Assigning, row: ImportedContact = row) -> RowOutcome:
            return _apply(work, import_of, row, by, source)

        try:
            outcomes.append(store.transact(one))
        except DomainError as error:
            outcomes.append(RowOutcome(row.line, REFUSED, column=getattr(error, "field", ""), reason=str(error)))
    return outcomes


def preview_contacts(
    work: UnitOfWork,
    load_many: Callable[[set[UUID]], dict[UUID, Aggregate | None]],
    import_of: UUID,
    rows: Sequence[ImportedContact],
    by: UUID,
) -> list[RowOutcome]:
    """What ``import_contacts`` would do with ``rows``, done in ``work`` and never saved (the dry run).

    Keep one ``work`` for the whole file, so a row matching an earlier row of the file reads as an update.
    """
    work.know(load_many(ids_of(import_of, rows)))
    outcomes = []
    for row in rows:
        try:
            outcomes.append(_apply(work, import_of, row, by, "import", suggest=False))
        except DomainError as error:
            outcomes.append(RowOutcome(row.line, REFUSED, column=getattr(error, "field", ""), reason=str(error)))
    return outcomes


def ids_of(import_of: UUID, rows: Sequence[ImportedContact]) -> set[UUID]:
    """Every aggregate saving ``rows`` may touch, to load them in one query."""
    ids: set[UUID] = set()
    for row in rows:
        contact_id = imported_contact_id(import_of, row.line)
        ids.add(contact_id)
        ids.update(address_book_entry_id(a) for a in row.addresses)
        ids.update(company_entry_id(k) for k in directory_keys(row.company, row.emails))
        if row.company:
            ids.add(imported_company_id(row.company))
    return ids


def _card_of(import_of: UUID, row: ImportedContact) -> ContactCard:
    return ContactCard(imported_contact_id(import_of, row.line), row.name, row.emails)


def _apply(  # noqa: PLR0913 - one row, where it goes, and how
    work: UnitOfWork, import_of: UUID, row: ImportedContact, by: UUID, source: str, *, suggest: bool = True
) -> RowOutcome:
    owners = {o.id: (o, a) for a in row.addresses if (o := owner_of(work, a)) is not None}
    if len(owners) > 1:
        held = ", ".join(sorted(a.partition(":")[2] for _, a in owners.values()))
        reason = f"its addresses belong to {len(owners)} different contacts ({held}): merge them first"
        return RowOutcome(row.line, REFUSED, reason=reason)
    contact_id = imported_contact_id(import_of, row.line)
    contact = next(iter(owners.values()))[0] if owners else work.find(contact_id, Contact)
    if contact is None:
        contact = _register(work, contact_id, row, by, source)
        if suggest:
            suggest_lookalikes(work, contact)
        return RowOutcome(row.line, CREATED, contact.id)
    before, version = card_of(contact), contact.version
    for phone in row.phones:
        add_reach(work, contact, phone, "phone", by)
    for email in row.emails:
        add_reach(work, contact, email_key(email), "email", by)
    gained = {k: v for k, v in row.details if k not in contact.custom_fields}
    if gained:
        contact.change_custom_fields(dict(gained), by)
    if contact.company_id is None and (company := _company_of(work, row, by)) is not None:
        contact.join_company(company.id, by)
        company.link_contact(contact.id, by)
    if suggest:
        suggest_lookalikes(work, contact, before)
    return RowOutcome(row.line, UNCHANGED if contact.version == version else UPDATED, contact.id)


def _register(work: UnitOfWork, contact_id: UUID, row: ImportedContact, by: UUID, source: str) -> Contact:
    """A new contact with all the row says in one event, its addresses entered in the address book first."""
    for address in row.addresses:
        if (owner := claim(work, contact_id, address)) is not None:
            channel, _, value = address.partition(":")
            raise AddressTaken(channel, value, owner)
    company = _company_of(work, row, by)
    details = ContactDetails(row.name, row.phones, row.emails, row.details, company.id if company else None)
    contact = Contact.register_known(contact_id, details, by, source)
    work.add(contact)
    if company is not None:
        company.link_contact(contact.id, by)
    return contact


def _company_of(work: UnitOfWork, row: ImportedContact, by: UUID) -> Company | None:
    """The row's company: the one its name or its e-mails' domain finds, or a new one of that name (if it names one)."""
    company = company_found(work, directory_keys(row.company, row.emails))
    if company is None and row.company:
        company_id = imported_company_id(row.company)
        company = work.find(company_id, Company)
        if company is None:
            company = Company.register_as(company_id, CompanyDetails.checked(row.company), by)
            work.add(company)
        enter_company(work, company)
    return company
