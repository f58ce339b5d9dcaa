"""One business, one company: found by its name however it is written, or by its domain.

A company is entered in the directory under its name (without legal form, case or punctuation) and
its domain when it is created or renamed; an import finds it there by the name a row gives, or by the
domain of the row's e-mail, before creating another.
"""

from __future__ import annotations

from collections.abc import Iterable

from application.unit_of_work import UnitOfWork
from domain.company import Company
from domain.company_directory import CompanyEntry, company_entry_id, domain_entry, name_entry, work_domain


def directory_keys(name: str, emails: Iterable[str]) -> list[str]:
    """Where a company named ``name`` (or none: "") of a person with ``emails`` is looked for, in that order."""
    keys = [name_entry(name)] if name.strip() else []
    keys += [domain_entry(d) for d in dict.fromkeys(work_domain(e) for e in emails) if d]
    return keys


def company_found(work: UnitOfWork, keys: Iterable[str]) -> Company | None:
    """The company the first of ``keys`` the directory holds finds, if any."""
    for key in keys:
        entry = work.find(company_entry_id(key), CompanyEntry)
        if entry is not None and (company := work.find(entry.company_id, Company)) is not None:
            return company
    return None


def enter_company(work: UnitOfWork, company: Company) -> None:
    """Enter the company under its name and domain, where no other company is entered already."""
    keys = [name_entry(company.name)] + ([domain_entry(company.domain)] if company.domain else [])
    for key in keys:
        if work.get(company_entry_id(key)) is None:
            work.add(CompanyEntry(key=key, company_id=company.id))
