"""A manager enters a whole contact card at once: details, addresses, profile, responsible manager and company.

One transaction: a card with any wrong detail, an address another contact has, an unknown manager or
company is refused whole, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from application.assigning import Assigning
from application.contact_matching import suggest_lookalikes
from application.create_contact import ContactSaved, Reach
from application.event_store import EventStore
from application.sales_records import manager_named
from application.unit_of_work import UnitOfWork
from domain.company import Company
from domain.contact import Contact
from domain.contact_details import CustomValue, checked_name
from domain.errors import InvalidField


@dataclass(frozen=True)
class ContactCard:
    """Everything a manager may type on a new contact."""

    name: str
    responsible_manager_id: UUID
    phones: Sequence[str] = ()
    emails: Sequence[str] = ()
    messenger_ids: Sequence[str] = ()
    source: str = ""
    vip: bool = False
    language: str = ""
    region: str = ""
    tags: Sequence[str] = ()
    custom_fields: Mapping[str, CustomValue] = field(default_factory=dict)
    company_id: UUID | None = None


def enter_contact(store: EventStore, by: UUID, card: ContactCard, default_phone_region: str = "") -> ContactSaved:
    """Register the contact the card describes; InvalidText or InvalidField naming the first wrong field.

    AddressTaken if another contact has one of its addresses (merge them instead). Contacts it may
    duplicate are suggested, never merged.
    """
    checked_name(card.name)
    reach = Reach.checked(card.phones, card.emails, card.messenger_ids, default_phone_region)

    def command(work: UnitOfWork, _: Assigning) -> ContactSaved:
        manager = manager_named(work, card.responsible_manager_id, "responsible_id")
        company = None
        if card.company_id is not None and (company := work.find(card.company_id, Company)) is None:
            raise InvalidField("company_id", f"no company with id {card.company_id}")
        contact = Contact.register(card.name, by=by, source=card.source)
        work.add(contact)
        reach.give_to(work, contact, by)
        if card.vip or card.language or card.region or card.tags:
            contact.update_profile(
                vip=card.vip, language=card.language, region=card.region, tags=list(card.tags), by=by
            )
        if card.custom_fields:
            contact.change_custom_fields(dict(card.custom_fields), by)
        contact.make_responsible(manager, by)
        if company is not None:
            contact.join_company(company.id, by)
            company.link_contact(contact.id, by)
        suggested = suggest_lookalikes(work, contact)
        return ContactSaved(contact.id, contact.version, tuple(suggested))

    return store.transact(command)
