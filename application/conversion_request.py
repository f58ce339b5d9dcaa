"""What converting a lead is asked to make: each record's fields, checked before anything is recorded.

A field refused is named as the record it belongs to (``contact.phones[0]``, ``company.name``), so a
client can point at it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from application.create_company import company_emails, company_phones
from application.create_contact import Reach
from application.errors import AddressTaken
from domain.company import CompanyDetails
from domain.contact_details import checked_name
from domain.conversion import Record
from domain.errors import InvalidField
from domain.phones import Phone
from domain.text import InvalidText


@dataclass(frozen=True)
class ContactCard:
    """What the contact is given: a name (needed only for a contact the lead does not know), phones, e-mails."""

    name: str = ""
    reach: Reach = field(default_factory=Reach)


@dataclass(frozen=True)
class CompanyCard:
    """What the company is registered with."""

    details: CompanyDetails
    phones: tuple[Phone, ...] = ()
    emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class DealCard:
    """What the deal opens with; its currency is the lead's unless given, its amount its lines' unless given."""

    title: str = ""  # empty: the company's name, else the contact's
    currency: object = None
    amount: object = None
    pipeline_id: UUID | None = None
    stage_id: UUID | None = None
    expected_close: date | None = None


@dataclass(frozen=True)
class Conversion:
    """What a lead converts into (None: not into that), and who is to be responsible (None: its manager)."""

    contact: ContactCard | None = None
    company: CompanyCard | None = None
    deal: DealCard | None = None
    responsible_id: UUID | None = None

    @property
    def asked(self) -> frozenset[Record]:
        """The records asked for."""
        cards = {Record.CONTACT: self.contact, Record.COMPANY: self.company, Record.DEAL: self.deal}
        return frozenset(record for record, card in cards.items() if card is not None)

    @classmethod
    def checked(
        cls,
        contact: Mapping[str, object] | None = None,
        company: Mapping[str, object] | None = None,
        deal: DealCard | None = None,
        responsible_id: UUID | None = None,
        default_phone_region: str = "",
    ) -> Conversion:
        """The records' fields as sent, checked; InvalidField naming the first wrong one (``contact.phones[0]``)."""
        contact_card = company_card = None
        if contact is not None:
            with under("contact"):
                name = contact.get("name")
                reach = Reach.checked(
                    _texts(contact, "phones"), _texts(contact, "emails"), (), default_phone_region=default_phone_region
                )
                contact_card = ContactCard(checked_name(name) if name is not None else "", reach)
        if company is not None:
            with under("company"):
                details = CompanyDetails.checked(
                    company.get("name"), company.get("domain") or "", company.get("address") or "",
                    company.get("industry") or "",
                )  # fmt: skip
                phones = company_phones(_texts(company, "phones"), default_phone_region)
                company_card = CompanyCard(details, tuple(phones), tuple(company_emails(_texts(company, "emails"))))
        return cls(contact_card, company_card, deal, responsible_id)


@contextmanager
def under(record: str) -> Iterator[None]:
    """Name a refused field as the record it belongs to: ``name`` of the company is ``company.name``."""
    try:
        yield
    except (InvalidText, InvalidField) as error:
        raise InvalidField(f"{record}.{error.field}", error.problem) from None
    except AddressTaken as taken:
        problem = f"belongs to contact {taken.owner_id}: merge the two contacts instead"
        raise InvalidField(f"{record}.{taken.field}", problem) from None


def _texts(fields: Mapping[str, object], name: str) -> Sequence[str]:
    value = fields.get(name) or []
    if not isinstance(value, list):
        raise InvalidField(name, "must be a list of texts")
    return value
