"""Finding a contact by any id it ever had: a merged contact's id leads to the contact it was merged into."""

from __future__ import annotations

from uuid import UUID

from application.errors import UnknownContact, check_version
from application.unit_of_work import UnitOfWork
from domain.contact import Contact, ContactWasMerged

# Merges chain (a into b, later b into c); no real chain is this long, and a cycle cannot be made.
MAX_MERGES_FOLLOWED = 64


def contact_of(work: UnitOfWork, contact_id: UUID) -> Contact | None:
    """The contact ``contact_id`` is now: itself, or the one it was merged into; None if there is none."""
    contact = work.find(contact_id, Contact)
    for _ in range(MAX_MERGES_FOLLOWED):
        if contact is None or contact.merged_into is None:
            return contact
        contact = work.find(contact.merged_into, Contact)
    msg = f"contact {contact_id} was merged more than {MAX_MERGES_FOLLOWED} times over"
    raise AssertionError(msg)


def contact_to_edit(work: UnitOfWork, contact_id: UUID, expected_version: int | None = None) -> Contact:
    """The contact a manager edits, at the version they read (None: any).

    A merged contact is not edited through its old id: the editor is told which contact it became.
    """
    contact = work.find(contact_id, Contact)
    if contact is None:
        raise UnknownContact(contact_id)
    if contact.merged_into is not None:
        survivor = contact_of(work, contact_id)
        raise ContactWasMerged(contact_id, survivor.id if survivor else contact.merged_into)
    check_version("contact", contact, expected_version)
    return contact
