"""Resolve a contact id: a merged contact's id still leads to the contact it became."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.contact_lookup import contact_of
from application.errors import UnknownContact
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ResolvedContact:
    """The contact an id names now: ``contact_id`` itself, or the one it was merged into."""

    asked_id: UUID
    contact_id: UUID
    version: int

    @property
    def merged(self) -> bool:
        """Whether the id asked for was merged into another contact."""
        return self.asked_id != self.contact_id


def resolve_contact(store: EventStore, contact_id: UUID) -> ResolvedContact:
    """The contact ``contact_id`` is now (following merges); UnknownContact if there never was one."""

    def command(work: UnitOfWork, _: Assigning) -> ResolvedContact:
        contact = contact_of(work, contact_id)
        if contact is None:
            raise UnknownContact(contact_id)
        return ResolvedContact(contact_id, contact.id, contact.version)

    return store.transact(command)
