"""A campaign's mail was handed to the server: it is an activity on the contact it went to, once."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from application.assigning import Assigning
from application.contact_lookup import contact_of
from application.errors import UnknownContact
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.contact import Activity

CAMPAIGN_MAIL = "campaign_mail"


def campaign_message_id(campaign_id: UUID) -> str:
    """How the activity of a campaign's mail is known on a contact: one per campaign."""
    return f"campaign/{campaign_id}"


def log_campaign_mail(  # noqa: PLR0913 - the whole of one mail sent
    store: EventStore, contact_id: UUID, campaign_id: UUID, subject: str, text: str, sent_at: datetime, by: UUID
) -> bool:
    """Log the mail on the contact (or the one it was merged into); False if it was logged before."""

    def command(work: UnitOfWork, _: Assigning) -> bool:
        contact = contact_of(work, contact_id)
        if contact is None:
            raise UnknownContact(contact_id)
        if campaign_message_id(campaign_id) in contact.activities:
            return False
        contact.log_activity(
            Activity(CAMPAIGN_MAIL, campaign_message_id(campaign_id), subject, text, sent_at, manager_id=by)
        )
        return True

    return store.transact(command)
