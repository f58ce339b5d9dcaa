"""Update a company: its details, phones, e-mails and responsible manager, at the version the editor read."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.company_matching import enter_company
from application.create_company import CompanySaved, company_emails, company_phones
from application.errors import UnknownCompany, UnknownManager, check_version
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.company import Company, CompanyDetails
from domain.manager import Manager


class Keep(enum.Enum):
    """A detail left as it is (where None means something: no responsible manager)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class CompanyChanges:
    """What to change on a company; None (or KEEP) leaves it. Phones and e-mails given replace the old ones."""

    details: CompanyDetails | None = None
    phones: Sequence[str] | None = None
    emails: Sequence[str] | None = None
    responsible_manager_id: UUID | Keep | None = KEEP


def update_company(  # noqa: PLR0913 - which, who, what, at which version, and how to read phones
    store: EventStore,
    company_id: UUID,
    by: UUID,
    changes: CompanyChanges,
    expected_version: int | None = None,
    default_phone_region: str = "",
) -> CompanySaved:
    """Change a company, all or nothing; ConcurrentEdit if it changed since ``expected_version``."""
    phones = company_phones(changes.phones, default_phone_region) if changes.phones is not None else None
    emails = company_emails(changes.emails) if changes.emails is not None else None

    def command(work: UnitOfWork, _: Assigning) -> CompanySaved:
        company = work.find(company_id, Company)
        if company is None:
            raise UnknownCompany(company_id)
        check_version("company", company, expected_version)
        if changes.details is not None:
            company.describe(changes.details, by)
            enter_company(work, company)  # a new name or domain finds it too; the old ones still do
        if phones is not None:
            company.set_phones(phones, by)
        if emails is not None:
            company.set_emails(emails, by)
        manager_id = changes.responsible_manager_id
        if not isinstance(manager_id, Keep):
            if manager_id is not None and work.find(manager_id, Manager) is None:
                raise UnknownManager(manager_id)
            company.make_responsible(manager_id, by)
        return CompanySaved(company.id, company.version)

    return store.transact(command)
