"""One contact taken into another, inside a unit of work: the rule a manager's merge and a certain match share.

The merged contact's addresses move to the survivor in the address book, so its next message joins
the survivor; its company learns who it is now; the lookalike lists forget it.
"""

from __future__ import annotations

from uuid import UUID

from application.contact_matching import card_of, suggest_lookalikes
from application.unit_of_work import UnitOfWork
from domain.address_book import AddressBookEntry
from domain.company import Company
from domain.contact import Contact, merge
from domain.duplicates import DuplicateSuggestion, lookalike_keys, suggestion_id
from domain.identities import address_book_entry_id


def merge_into(work: UnitOfWork, survivor: Contact, merged: Contact, by: UUID | None, why: str) -> tuple[str, ...]:
    """Merge ``merged`` into ``survivor`` (``by`` None: the system, on a certain match); the addresses moved."""
    merged_card = card_of(merged)
    merge(survivor, merged, by, why)
    moved = _move_addresses(work, merged, survivor.id, by, why)
    _move_company_link(work, merged, survivor, by)
    work.lookalikes.read(lookalike_keys(merged_card))
    for key in lookalike_keys(merged_card):
        work.lookalikes.unlist(key, merged.id)
    if (pair := work.find(suggestion_id(survivor.id, merged.id), DuplicateSuggestion)) is not None:
        pair.merged(survivor.id, by)
    suggest_lookalikes(work, survivor)
    return moved


def _move_addresses(work: UnitOfWork, merged: Contact, survivor_id: UUID, by: UUID | None, why: str) -> tuple[str, ...]:
    moved = []
    for address in merged.addresses:
        entry = work.find(address_book_entry_id(address), AddressBookEntry)
        if entry is None:  # entered before the address book kept every address: it is entered now
            work.add(AddressBookEntry(address=address, contact_id=survivor_id))
        elif entry.contact_id == merged.id:
            entry.move(survivor_id, by, why)
        else:
            continue
        moved.append(address)
    return tuple(moved)


def _move_company_link(work: UnitOfWork, merged: Contact, survivor: Contact, by: UUID | None) -> None:
    """The merged contact's company lists the survivor instead, if the survivor now works there."""
    if merged.company_id is None:
        return
    company = work.find(merged.company_id, Company)
    if company is not None:
        company.unlink_contact(merged.id, by)
        if survivor.company_id == company.id:
            company.link_contact(survivor.id, by)
