"""One person, one contact: a touch joins the contact it certainly belongs to, and lookalikes are suggested.

Certain is the same address: the same e-mail, phone (E.164) or messenger id, which the address book
keys by the address itself, so two routers meeting a new one at once cannot both claim it. Anything
less (the same full name, a similar e-mail) is only suggested to a manager, as a DuplicateSuggestion.
"""

from __future__ import annotations

from uuid import UUID

from application.contact_lookup import contact_of
from application.errors import AddressTaken
from application.unit_of_work import UnitOfWork
from domain.address_book import AddressBookEntry
from domain.channels import Channel, ChannelAddress
from domain.contact import Contact, phone_key
from domain.duplicates import ContactCard, DuplicateSuggestion, likeness, lookalike_keys
from domain.duplicates import suggestion_id as pair_suggestion_id
from domain.identities import address_book_entry_id
from domain.phones import Phone


def card_of(contact: Contact) -> ContactCard:
    """What duplicates are judged by, of one contact (a name that is only its address is no name)."""
    name = "" if contact.name in contact.addresses else contact.name
    return ContactCard(contact.id, name, tuple(contact.emails))


def owner_of(work: UnitOfWork, address: str) -> Contact | None:
    """The contact an address belongs to (the one it was merged into, if merged), if any."""
    entry = work.find(address_book_entry_id(address), AddressBookEntry)
    return contact_of(work, entry.contact_id) if entry is not None else None


def claim(work: UnitOfWork, contact_id: UUID, address: str) -> UUID | None:
    """Enter ``address`` in the address book for the contact; the id of another contact that has it, if any."""
    entry = work.find(address_book_entry_id(address), AddressBookEntry)
    if entry is None:
        work.add(AddressBookEntry(address=address, contact_id=contact_id))
        return None
    owner = contact_of(work, entry.contact_id)
    owner_id = owner.id if owner is not None else entry.contact_id
    return None if owner_id == contact_id else owner_id


def add_reach(work: UnitOfWork, contact: Contact, reach: Phone | str, field: str, by: UUID | None) -> bool:
    """A manager gives the contact a phone, or an address (an e-mail's or a messenger id, ``channel:value``).

    AddressTaken if another contact has it; False when the contact had it already.
    """
    address = phone_key(reach.number) if isinstance(reach, Phone) else reach
    if address in contact.addresses:
        return False
    if (owner := claim(work, contact.id, address)) is not None:
        raise AddressTaken(field, address.partition(":")[2], owner)
    if isinstance(reach, Phone):
        return contact.add_phone(reach, by)
    if address.startswith(f"{Channel.EMAIL}:"):
        return contact.add_email(address.partition(":")[2], by)
    return contact.add_address(ChannelAddress.parse(address), by)


def suggest(work: UnitOfWork, one: UUID, other: UUID, reasons: list[str]) -> UUID | None:
    """Suggest that two contacts are one person, unless they were suggested before (or there is no reason).

    Both contacts note the suggestion, so either one lists it.
    """
    if not reasons:
        return None  # before loading either: a contact is compared with everyone listed under its keys
    first, second = contact_of(work, one), contact_of(work, other)
    if first is None or second is None or first.id == second.id:
        return None
    suggestion = pair_suggestion_id(first.id, second.id)
    if work.get(suggestion) is not None:
        return None  # open, dismissed or merged: a pair is suggested once
    work.add(DuplicateSuggestion(contact_ids=sorted([first.id, second.id]), reasons=reasons))
    first.note_possible_duplicate(suggestion, second.id, reasons)
    second.note_possible_duplicate(suggestion, first.id, reasons)
    return suggestion


def suggest_lookalikes(work: UnitOfWork, contact: Contact, before: ContactCard | None = None) -> list[UUID]:
    """List the contact under its keys (and off those it no longer has), suggesting whom it looks like."""
    card = card_of(contact)
    keys = lookalike_keys(card)
    gone = sorted(lookalike_keys(before) - keys if before is not None else set())
    lists = work.lookalikes
    lists.read([*gone, *keys])
    for key in gone:
        lists.unlist(key, contact.id)
    suggested: list[UUID] = []
    compared: set[UUID] = {contact.id}  # a contact under several of the same keys is compared once
    for key in sorted(keys):
        for other in lists.others(key, contact.id):
            if other.contact_id not in compared:
                compared.add(other.contact_id)
                if (found := suggest(work, contact.id, other.contact_id, likeness(card, other))) is not None:
                    suggested.append(found)
        lists.list_contact(key, card)
    return suggested
