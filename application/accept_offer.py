"""Accept an offer: a lead offered to all goes to the first present manager who takes it."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.contact_lookup import contact_of
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.errors import DomainError
from domain.lead import Lead
from domain.manager import Manager


def accept_offer(store: EventStore, lead: UUID, manager_id: UUID) -> None:
    """The manager takes the offered lead and becomes its contact's responsible; a second taker is refused."""

    def command(work: UnitOfWork, _: Assigning) -> None:
        found = work.find(lead, Lead)
        manager = work.find(manager_id, Manager)
        if found is None or manager is None:
            msg = f"no lead {lead} or no manager {manager_id}"
            raise DomainError(msg)
        if not manager.is_present:
            msg = f"{manager.name}'s work day is {manager.work_day}: start or resume it to take leads"
            raise DomainError(msg)
        found.accept(manager_id)
        manager.take_lead(found.id, store.clock())
        if (contact := contact_of(work, found.contact_id)) is not None:
            contact.make_responsible(manager_id)

    store.transact(command)
