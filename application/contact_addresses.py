"""Give a contact another phone, e-mail or messenger id: checked, in its one form, and no other contact's."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.contact_lookup import contact_to_edit
from application.contact_matching import add_reach, card_of, suggest_lookalikes
from application.create_contact import ContactSaved
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.contact import email_key
from domain.contact_details import messenger_address
from domain.emails import email_address
from domain.phones import Phone, phone_number


def add_phone(  # noqa: PLR0913 - who, to whom, what, in which region, at which version
    store: EventStore,
    contact_id: UUID,
    by: UUID,
    phone: str,
    default_phone_region: str = "",
    expected_version: int | None = None,
) -> ContactSaved:
    """Add a phone, read in ``default_phone_region`` when it has no country code; the text typed is kept.

    InvalidPhone if it is no number; AddressTaken if another contact has it (merge them instead).
    """
    return _add(store, contact_id, by, phone_number(phone, default_phone_region), "phone", expected_version)


def add_email(
    store: EventStore, contact_id: UUID, by: UUID, email: str, expected_version: int | None = None
) -> ContactSaved:
    """Add an e-mail (kept in lower case); InvalidEmail if it is none, AddressTaken if another contact has it."""
    return _add(store, contact_id, by, email_key(email_address(email)), "email", expected_version)


def add_messenger_id(
    store: EventStore, contact_id: UUID, by: UUID, messenger_id: str, expected_version: int | None = None
) -> ContactSaved:
    """Add a messenger id written ``channel:id`` ("telegram:123456"), as the channel's connector writes it."""
    address = str(messenger_address(messenger_id, field="messenger_id"))
    return _add(store, contact_id, by, address, "messenger_id", expected_version)


def _add(  # noqa: PLR0913 - the shared body of the three
    store: EventStore,
    contact_id: UUID,
    by: UUID,
    reach: Phone | str,
    field: str,
    expected_version: int | None,
) -> ContactSaved:
    def command(work: UnitOfWork, _: Assigning) -> ContactSaved:
        contact = contact_to_edit(work, contact_id, expected_version)
        before = card_of(contact)
        add_reach(work, contact, reach, field, by)
        suggested = suggest_lookalikes(work, contact, before) if card_of(contact) != before else []
        return ContactSaved(contact.id, contact.version, tuple(suggested))

    return store.transact(command)
