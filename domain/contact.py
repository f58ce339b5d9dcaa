"""A contact: one person, however many channels they write from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.identities import address_book_entry_id


@dataclass(frozen=True)
class Activity:
    """Something that happened with a customer: a mail a manager exchanged with them, copied to the CRM."""

    kind: str
    channel_message_id: str
    subject: str
    text: str
    occurred_at: datetime
    manager_id: UUID | None
    attachments: tuple[dict[str, Any], ...] = ()
    # Who forwarded the mail to the CRM address when they are not a manager (a colleague): their address.
    forwarded_by: str = ""


class Contact(Aggregate):
    """A customer known by one or more channel addresses."""

    @event("Registered")
    def __init__(self, name: str, address: str) -> None:
        self.name = name
        self.addresses = [address]
        self.responsible_manager_id: UUID | None = None
        self.vip = False
        self.language = ""
        self.region = ""
        self.tags: list[str] = []

    def make_responsible(self, manager_id: UUID) -> None:
        """The manager who now answers for this customer; their next lead returns to them."""
        if manager_id != self.responsible_manager_id:
            self._responsible_manager_changed(manager_id=manager_id)

    def update_profile(self, *, vip: bool, language: str, region: str, tags: list[str]) -> None:
        """What routing rules may ask about the customer."""
        self._profile_updated(vip=vip, language=language, region=region, tags=sorted(set(tags)))

    def log_activity(self, activity: Activity) -> None:
        """Attach something that happened with the customer outside a conversation (a mail copied to the CRM)."""
        self._activity_logged(
            kind=activity.kind,
            channel_message_id=activity.channel_message_id,
            subject=activity.subject,
            text=activity.text,
            occurred_at=activity.occurred_at,
            manager_id=activity.manager_id,
            attachments=[dict(attachment) for attachment in activity.attachments],
            forwarded_by=activity.forwarded_by,
        )

    @event("ActivityLogged")
    def _activity_logged(  # noqa: PLR0913 - the whole of an activity
        self,
        kind: str,
        channel_message_id: str,
        subject: str,
        text: str,
        occurred_at: datetime,
        manager_id: UUID | None,
        attachments: list[dict[str, Any]],
        forwarded_by: str = "",
    ) -> None:
        pass

    @event("ResponsibleManagerChanged")
    def _responsible_manager_changed(self, manager_id: UUID) -> None:
        self.responsible_manager_id = manager_id

    @event("ProfileUpdated")
    def _profile_updated(self, vip: bool, language: str, region: str, tags: list[str]) -> None:
        self.vip, self.language, self.region, self.tags = vip, language, region, tags


class AddressBookEntry(Aggregate):
    """Maps one channel address to its contact.

    Its id derives from the address, so two routers that meet a new address
    at once cannot both register a contact for it: the second save conflicts.
    """

    @staticmethod
    def create_id(address: str, contact_id: UUID) -> UUID:  # noqa: ARG004 - same signature as __init__
        """One entry per address."""
        return address_book_entry_id(address)

    @event("Registered")
    def __init__(self, address: str, contact_id: UUID) -> None:
        self.address = address
        self.contact_id = contact_id
