"""A customer follows a campaign mail's unsubscribe link: no campaign mails them again."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.contact_lookup import contact_of
from application.errors import UnknownContact
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork


def unsubscribe_contact(store: EventStore, contact_id: UUID, campaign_id: UUID) -> bool:
    """Record that the contact (or the one it was merged into) wants no more campaign mail; False if already so.

    UnknownContact if there is no such contact.
    """

    def command(work: UnitOfWork, _: Assigning) -> bool:
        contact = contact_of(work, contact_id)
        if contact is None:
            raise UnknownContact(contact_id)
        return contact.unsubscribe(campaign_id)

    return store.transact(command)
