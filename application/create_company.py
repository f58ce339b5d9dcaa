"""Create a company: its name and whatever else is known of it, each detail checked first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.company_matching import enter_company
from application.errors import UnknownManager
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.company import Company, CompanyDetails
from domain.emails import email_address
from domain.manager import Manager
from domain.phones import Phone, phone_number


@dataclass(frozen=True)
class CompanySaved:
    """A company as a change left it, with its version for the next edit."""

    company_id: UUID
    version: int


def company_phones(phones: Sequence[str], default_phone_region: str) -> list[Phone]:
    """Phones as typed, read in ``default_phone_region`` when without a country code; InvalidPhone naming one."""
    return [phone_number(p, default_phone_region, field=f"phones[{n}]") for n, p in enumerate(phones)]


def company_emails(emails: Sequence[str]) -> list[str]:
    """E-mails as typed, checked and in lower case; InvalidEmail naming the first wrong one."""
    return [email_address(e, field=f"emails[{n}]") for n, e in enumerate(emails)]


def create_company(  # noqa: PLR0913 - a company's whole first card
    store: EventStore,
    by: UUID,
    details: CompanyDetails,
    *,
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    responsible_manager_id: UUID | None = None,
    default_phone_region: str = "",
) -> CompanySaved:
    """Register a company; ``details`` come from ``CompanyDetails.checked``, the rest is checked here."""
    checked_phones, checked_emails = company_phones(phones, default_phone_region), company_emails(emails)

    def command(work: UnitOfWork, _: Assigning) -> CompanySaved:
        company = Company.register(details, by)
        company.set_phones(checked_phones, by)
        company.set_emails(checked_emails, by)
        if responsible_manager_id is not None:
            if work.find(responsible_manager_id, Manager) is None:
                raise UnknownManager(responsible_manager_id)
            company.make_responsible(responsible_manager_id, by)
        work.add(company)
        enter_company(work, company)
        return CompanySaved(company.id, company.version)

    return store.transact(command)
