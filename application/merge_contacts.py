"""Merge two contacts into one: the survivor gets everything, the merged one keeps its history and names it.

The merged contact's addresses move to the survivor in the address book, so its next message joins
the survivor; its company learns who it is now. What names the merged id (conversations, leads,
activities, deals) keeps naming it: the id resolves to the survivor (``contact_of``,
``resolve_contact``), and read models re-point their rows on ``Contact.MergedInto``.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.contact_lookup import contact_to_edit
from application.contact_matching import card_of, suggest_lookalikes
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.address_book import AddressBookEntry
from domain.company import Company
from domain.contact import Contact, merge
from domain.contact_details import checked_reason
from domain.duplicates import DuplicateSuggestion, Lookalikes, lookalike_keys, lookalikes_id, suggestion_id
from domain.identities import address_book_entry_id


@dataclass(frozen=True)
class MergedContacts:
    """The survivor and its version after the merge, and the addresses that moved to it."""

    survivor_id: UUID
    merged_id: UUID
    version: int
    moved_addresses: tuple[str, ...]


def merge_contacts(  # noqa: PLR0913 - both contacts, who, why, and the versions they saw
    store: EventStore,
    survivor_id: UUID,
    merged_id: UUID,
    by: UUID,
    why: str,
    *,
    survivor_version: int | None = None,
    merged_version: int | None = None,
) -> MergedContacts:
    """Merge ``merged_id`` into ``survivor_id``, recording who and why; nothing of the merged one is lost.

    ConcurrentEdit if either changed since the version the manager saw; ContactWasMerged if either
    was merged already; CannotMerge for a contact with itself.
    """
    reason = checked_reason("why", why, required=False)

    def command(work: UnitOfWork, _: Assigning) -> MergedContacts:
        survivor = contact_to_edit(work, survivor_id, survivor_version)
        merged = contact_to_edit(work, merged_id, merged_version)
        merged_card = card_of(merged)
        merge(survivor, merged, by, reason)
        moved = _move_addresses(work, merged, survivor.id, by, reason)
        _move_company_link(work, merged, survivor, by)
        for key in lookalike_keys(merged_card):
            if (group := work.find(lookalikes_id(key), Lookalikes)) is not None:
                group.unlist(merged.id)
        if (pair := work.find(suggestion_id(survivor.id, merged.id), DuplicateSuggestion)) is not None:
            pair.merged(survivor.id, by)
        suggest_lookalikes(work, survivor)
        return MergedContacts(survivor.id, merged.id, survivor.version, moved)

    return store.transact(command)


def _move_addresses(work: UnitOfWork, merged: Contact, survivor_id: UUID, by: UUID, why: str) -> tuple[str, ...]:
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


def _move_company_link(work: UnitOfWork, merged: Contact, survivor: Contact, by: UUID) -> None:
    """The merged contact's company lists the survivor instead, if the survivor now works there."""
    if merged.company_id is None:
        return
    company = work.find(merged.company_id, Company)
    if company is not None:
        company.unlink_contact(merged.id, by)
        if survivor.company_id == company.id:
            company.link_contact(survivor.id, by)
