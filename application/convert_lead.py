"""Convert a lead into a contact, a company and a deal, any of them, in one transaction, once.

The contact the lead already knows (the customer who wrote, as merges left them) is kept and
completed with what the manager gives; one is registered only when the lead knows none. The lead's
contact works for the lead's company, whichever was converted first. The deal opens for the contact
and the company and names the lead. Every record's id derives from the lead, so a conversion asked
again answers with the same records and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from application.contact_lookup import contact_of
from application.contact_matching import suggest_lookalikes
from application.conversion_request import CompanyCard, ContactCard, Conversion, under
from application.errors import UnknownLead, check_version
from application.event_store import EventStore
from application.open_deal import DealOpening, open_in
from application.sales_records import manager_named
from application.unit_of_work import UnitOfWork
from domain.company import Company
from domain.contact import Contact
from domain.conversion import ConversionPlan, Record
from domain.deal import MAX_TITLE
from domain.errors import InvalidField
from domain.lead import Lead

R = TypeVar("R", Contact, Company)


@dataclass(frozen=True)
class LeadConverted:
    """What the lead became: each record's id (None: not converted into it), what was new, the lead's version."""

    lead_id: UUID
    contact_id: UUID | None
    company_id: UUID | None
    deal_id: UUID | None
    created: tuple[str, ...]
    version: int

    @property
    def repeated(self) -> bool:
        """Whether the lead was already converted into everything asked (nothing was recorded)."""
        return not self.created


def convert_lead(
    store: EventStore, lead_id: UUID, conversion: Conversion, by: UUID, expected_version: int | None = None
) -> LeadConverted:
    """Convert the lead as ``conversion`` asks, by manager ``by``; ``expected_version`` is the lead's.

    Refused: no such lead (UnknownLead), a lead not qualified or nothing asked (ConversionRefused), a
    field (InvalidField naming it), a lead changed since ``expected_version`` (ConcurrentEdit). Asked
    again, it answers with the same records and records nothing, whatever the version.
    """
    return store.transact(lambda work, _: _convert(work, lead_id, conversion, by, expected_version, store.clock()))


def _convert(  # noqa: PLR0913 - the command's own arguments and its time
    work: UnitOfWork, lead_id: UUID, conversion: Conversion, by: UUID, expected_version: int | None, at: datetime
) -> LeadConverted:
    lead = work.find(lead_id, Lead)
    if lead is None:
        raise UnknownLead(lead_id)
    known = contact_of(work, lead.contact_id)
    plan = lead.plan_conversion(conversion.asked, known.id if known is not None else None)
    if plan.nothing_new:
        return _result(lead, plan)
    check_version("lead", lead, expected_version)
    given = conversion.responsible_id
    responsible = manager_named(work, given, "responsible_id") if given else (lead.manager_id or by)
    contact = contact_of(work, plan.result.contact_id) if plan.result.contact_id else None
    if conversion.contact is not None and Record.CONTACT in plan.new:
        with under("contact"):
            contact = _contact(work, plan, known, conversion.contact, responsible, by)
            contact.change_source(contact.source or lead.source, by)
    company = work.find(plan.result.company_id, Company) if plan.result.company_id else None
    if conversion.company is not None and Record.COMPANY in plan.new:
        with under("company"):
            company = _company(work, plan, conversion.company, responsible, by)
    if contact is not None and company is not None and {Record.CONTACT, Record.COMPANY} & plan.new:
        _employ(work, contact, company, by)  # the lead's person works for the lead's business, whichever came first
    if conversion.deal is not None and Record.DEAL in plan.new:
        card = conversion.deal
        currency = card.currency if card.currency is not None else (lead.details.currency or None)
        if currency is None:
            raise InvalidField("deal.currency", "is required: the lead has no currency to take")
        named = company.name if company is not None else (contact.name if contact is not None else "")
        with under("deal"):
            opening = DealOpening(
                title=card.title or named[:MAX_TITLE],
                currency=str(currency),
                pipeline_id=card.pipeline_id,
                stage_id=card.stage_id,
                amount=card.amount,
                expected_close=card.expected_close,
                responsible_id=responsible,
                contact_id=plan.result.contact_id,
                company_id=plan.result.company_id or (contact.company_id if contact is not None else None),
                lead_id=lead.id,
                deal_id=plan.result.deal_id,
            )
            open_in(work, opening, by, at)
    lead.convert(plan, by, at)
    return _result(lead, plan)


def _contact(  # noqa: PLR0913 - where, which, what the lead knows, what is given, whose, who
    work: UnitOfWork, plan: ConversionPlan, known: Contact | None, card: ContactCard, responsible: UUID, by: UUID
) -> Contact:
    contact = known
    if contact is None:
        if not card.name:
            raise InvalidField("name", "is required: the lead knows no contact to keep")
        contact = Contact.register_as(plan.result.contact_id, card.name, by)
        work.add(contact)
    elif card.name:
        contact.rename(card.name, by)
    card.reach.give_to(work, contact, by)
    if contact.responsible_manager_id is None:
        contact.make_responsible(responsible, by)
    suggest_lookalikes(work, contact)
    return contact


def _company(work: UnitOfWork, plan: ConversionPlan, card: CompanyCard, responsible: UUID, by: UUID) -> Company:
    company = _registered(Company, plan.result.company_id, name=card.details.name, by=by)
    company.describe(card.details, by)
    company.set_phones(card.phones, by)
    company.set_emails(card.emails, by)
    company.make_responsible(responsible, by)
    work.add(company)
    return company


def _registered(kind: type[R], record_id: UUID | None, **fields: object) -> R:
    """A new contact or company under the id derived from the lead, registered as any other is."""
    # The event class the aggregate's @event("Registered") made, which no type checker can see.
    registered = kind.Registered  # type: ignore[attr-defined]
    return kind._create(registered, id=record_id, **fields)  # noqa: SLF001 - the library's way to choose the id


def _employ(work: UnitOfWork, contact: Contact, company: Company, by: UUID) -> None:
    """The contact works for the company now, and no longer for one before: both sides say so."""
    previous = contact.company_id
    if previous not in (None, company.id) and (old := work.find(previous, Company)) is not None:
        old.unlink_contact(contact.id, by)
    contact.join_company(company.id, by)
    company.link_contact(contact.id, by)


def _result(lead: Lead, plan: ConversionPlan) -> LeadConverted:
    done = lead.converted
    created = tuple(sorted(record.value for record in plan.new))
    return LeadConverted(lead.id, done.contact_id, done.company_id, done.deal_id, created, lead.version)
