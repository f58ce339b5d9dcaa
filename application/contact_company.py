"""Link a contact to the company they work for, or unlink them: the contact and the company agree, always."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.contact_lookup import contact_to_edit
from application.create_contact import ContactSaved
from application.errors import UnknownCompany
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.company import Company


def set_contact_company(
    store: EventStore, contact_id: UUID, company_id: UUID | None, by: UUID, expected_version: int | None = None
) -> ContactSaved:
    """The contact works for ``company_id`` (None: for no company we know); the companies' lists follow.

    The company they worked for before no longer lists them; the new one does. ``expected_version``
    is the contact's.
    """

    def command(work: UnitOfWork, _: Assigning) -> ContactSaved:
        contact = contact_to_edit(work, contact_id, expected_version)
        company = None
        if company_id is not None and (company := work.find(company_id, Company)) is None:
            raise UnknownCompany(company_id)
        previous = contact.company_id
        if previous is not None and previous != company_id and (old := work.find(previous, Company)) is not None:
            old.unlink_contact(contact.id, by)
        if company is None:
            contact.leave_company(by)
        else:
            contact.join_company(company.id, by)
            company.link_contact(contact.id, by)
        return ContactSaved(contact.id, contact.version)

    return store.transact(command)


def link_contact_to_company(store: EventStore, company_id: UUID, contact_id: UUID, by: UUID) -> ContactSaved:
    """The company's side of ``set_contact_company``: add a contact to the company's people."""
    return set_contact_company(store, contact_id, company_id, by)


def unlink_contact_from_company(store: EventStore, company_id: UUID, contact_id: UUID, by: UUID) -> ContactSaved:
    """Take a contact off the company's people; a contact of another company is left as it is."""

    def command(work: UnitOfWork, _: Assigning) -> ContactSaved:
        contact = contact_to_edit(work, contact_id)
        company = work.find(company_id, Company)
        if company is None:
            raise UnknownCompany(company_id)
        company.unlink_contact(contact.id, by)
        if contact.company_id == company_id:
            contact.leave_company(by)
        return ContactSaved(contact.id, contact.version)

    return store.transact(command)
