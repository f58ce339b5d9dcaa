"""A company: the business a contact works for, with its own phones, e-mails and responsible manager.

A company's phones and e-mails are its switchboard and shared mailboxes (info@, sales@): they are not
in the address book, so a touch from them joins no person. Which contacts work for it is kept on
both sides, the company's ``contacts`` and each contact's ``company_id``, changed together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.contact_details import checked_line, checked_name
from domain.emails import domain_name
from domain.phones import Phone
from domain.text import InvalidText, TextKind, checked_text

MAX_ADDRESS_LENGTH = 1_000
MAX_INDUSTRY_LENGTH = 128
MAX_PHONES = 20
MAX_EMAILS = 20


@dataclass(frozen=True)
class CompanyDetails:
    """What describes a company: its name, web or mail domain, postal address and industry."""

    name: str
    domain: str = ""
    address: str = ""
    industry: str = ""

    @classmethod
    def checked(cls, name: object, domain: object = "", address: object = "", industry: object = "") -> CompanyDetails:
        """The details as given, each checked by its rule, or InvalidText naming the first wrong field."""
        return cls(
            name=checked_name(name),
            domain=domain_name(domain) if domain else "",
            address=checked_text(
                "address", address, max_length=MAX_ADDRESS_LENGTH, kind=TextKind.TEXT, required=False
            ).strip(),
            industry=checked_line("industry", industry, MAX_INDUSTRY_LENGTH),
        )


class Company(Aggregate):
    """A business we deal with, and the contacts who work for it."""

    @event("Registered")
    def __init__(self, name: str, by: UUID | None) -> None:
        self.name = name
        self.domain = ""
        self.address = ""
        self.industry = ""
        self.phones: list[Phone] = []
        self.emails: list[str] = []
        self.responsible_manager_id: UUID | None = None
        self.contacts: list[UUID] = []

    @classmethod
    def register(cls, details: CompanyDetails, by: UUID | None) -> Company:
        """A new company; its other details are set right after, each an event of its own."""
        company = cls(name=details.name, by=by)
        company.describe(details, by)
        return company

    @classmethod
    def register_as(cls, company_id: UUID, details: CompanyDetails, by: UUID | None) -> Company:
        """A new company whose id its origin derives (its name in an import), so it is registered once."""
        registered: type[Any] = getattr(cls, "Registered")  # noqa: B009 - the @event decorator makes it
        company = cls._create(registered, id=company_id, name=details.name, by=by)
        company.describe(details, by)
        return company

    def describe(self, details: CompanyDetails, by: UUID | None) -> None:
        """Name, domain, address and industry; one event when any of them differs."""
        now = CompanyDetails(self.name, self.domain, self.address, self.industry)
        if details != now:
            self._details_changed(
                name=details.name, domain=details.domain, address=details.address, industry=details.industry, by=by
            )

    def set_phones(self, phones: Sequence[Phone], by: UUID | None) -> None:
        """The company's phones are these: each one added or removed is an event."""
        numbers = list(dict.fromkeys(p.number for p in phones))
        if len(numbers) > MAX_PHONES:
            raise InvalidText("phones", f"a company may have at most {MAX_PHONES} phones")
        for phone in self.phones:
            if phone.number not in numbers:
                self._phone_removed(number=phone.number, by=by)
        have = {p.number for p in self.phones}
        for phone in phones:
            if phone.number not in have:
                have.add(phone.number)
                self._phone_added(number=phone.number, text=phone.text, by=by)

    def set_emails(self, emails: Sequence[str], by: UUID | None) -> None:
        """The company's e-mails (checked, lower case) are these: each one added or removed is an event."""
        wanted = list(dict.fromkeys(emails))
        if len(wanted) > MAX_EMAILS:
            raise InvalidText("emails", f"a company may have at most {MAX_EMAILS} e-mails")
        for email in list(self.emails):
            if email not in wanted:
                self._email_removed(email=email, by=by)
        for email in wanted:
            if email not in self.emails:
                self._email_added(email=email, by=by)

    def make_responsible(self, manager_id: UUID | None, by: UUID | None) -> None:
        """The manager who answers for the company (None: nobody)."""
        if manager_id != self.responsible_manager_id:
            self._responsible_manager_changed(manager_id=manager_id, by=by)

    def link_contact(self, contact_id: UUID, by: UUID | None) -> None:
        """The contact works for this company; the caller makes the contact say so too."""
        if contact_id not in self.contacts:
            self._contact_linked(contact_id=contact_id, by=by)

    def unlink_contact(self, contact_id: UUID, by: UUID | None) -> None:
        """The contact no longer works for this company; the caller makes the contact say so too."""
        if contact_id in self.contacts:
            self._contact_unlinked(contact_id=contact_id, by=by)

    @event("DetailsChanged")
    def _details_changed(self, name: str, domain: str, address: str, industry: str, by: UUID | None) -> None:
        self.name, self.domain, self.address, self.industry = name, domain, address, industry

    @event("PhoneAdded")
    def _phone_added(self, number: str, text: str, by: UUID | None) -> None:
        self.phones.append(Phone(number, text))

    @event("PhoneRemoved")
    def _phone_removed(self, number: str, by: UUID | None) -> None:
        self.phones = [p for p in self.phones if p.number != number]

    @event("EmailAdded")
    def _email_added(self, email: str, by: UUID | None) -> None:
        self.emails.append(email)

    @event("EmailRemoved")
    def _email_removed(self, email: str, by: UUID | None) -> None:
        self.emails.remove(email)

    @event("ResponsibleManagerChanged")
    def _responsible_manager_changed(self, manager_id: UUID | None, by: UUID | None) -> None:
        self.responsible_manager_id = manager_id

    @event("ContactLinked")
    def _contact_linked(self, contact_id: UUID, by: UUID | None) -> None:
        self.contacts.append(contact_id)

    @event("ContactUnlinked")
    def _contact_unlinked(self, contact_id: UUID, by: UUID | None) -> None:
        self.contacts.remove(contact_id)
