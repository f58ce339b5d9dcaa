"""Converting a lead into the records a sale is worked with: a contact, a company, a deal, any of them.

A private person becomes a contact, a business a company, and either may open a deal. The records
take ids derived from the lead, so converting it again, or twice at once, makes nothing twice: what
the lead was converted into before is kept, and only what is asked anew is added. A contact the lead
already knows (the customer who wrote) is kept rather than registered a second time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from domain.errors import DomainError, InvalidField
from domain.identities import converted_record_id


class Record(enum.StrEnum):
    """A record a lead converts into."""

    CONTACT = "contact"
    COMPANY = "company"
    DEAL = "deal"


class ConversionRefused(DomainError):
    """The lead cannot be converted as asked; the message says why and what to do first."""


@dataclass(frozen=True)
class Converted:
    """What a lead was converted into so far (None: not into that)."""

    contact_id: UUID | None = None
    company_id: UUID | None = None
    deal_id: UUID | None = None

    def id_of(self, record: Record) -> UUID | None:
        """The id of the ``record`` the lead was converted into, if it was."""
        ids: dict[Record, UUID | None] = {
            Record.CONTACT: self.contact_id,
            Record.COMPANY: self.company_id,
            Record.DEAL: self.deal_id,
        }
        return ids[record]


@dataclass(frozen=True)
class ConversionPlan:
    """What converting a lead as asked does: the records it will have, and which of them are new.

    ``register_contact`` is whether the contact is to be registered (the lead knows no contact); a
    contact the lead knew is kept and only completed.
    """

    lead_id: UUID
    result: Converted
    new: frozenset[Record]
    register_contact: bool

    @property
    def nothing_new(self) -> bool:
        """Whether the lead was already converted into everything asked."""
        return not self.new


def plan_conversion(
    lead_id: UUID, *, qualified: bool, asked: frozenset[Record], known_contact: UUID | None, before: Converted
) -> ConversionPlan:
    """What converting lead ``lead_id`` into ``asked`` makes, after what it was converted into ``before``.

    ``known_contact`` is the contact the lead already has (as merges left it), if it exists. Refused:
    asking for nothing; converting a lead not qualified (unless it was converted before: asking again
    is then answered with what it became); a deal with neither a contact nor a company to be for.
    """
    if not asked:
        msg = "say what the lead converts into: a contact, a company, a deal, or several of them"
        raise ConversionRefused(msg)
    new = frozenset(record for record in asked if before.id_of(record) is None)
    if new and not qualified:
        msg = f"lead {lead_id} is not qualified: qualify it before converting it"
        raise ConversionRefused(msg)
    contact = before.contact_id
    if contact is None and Record.CONTACT in new:
        contact = known_contact or converted_record_id(lead_id, Record.CONTACT)
    company = before.company_id
    if company is None and Record.COMPANY in new:
        company = converted_record_id(lead_id, Record.COMPANY)
    deal = before.deal_id
    if deal is None and Record.DEAL in new:
        if contact is None and company is None:
            raise InvalidField("deal", "needs a contact or a company to be for: convert the lead into one of them too")
        deal = converted_record_id(lead_id, Record.DEAL)
    return ConversionPlan(
        lead_id=lead_id,
        result=Converted(contact, company, deal),
        new=new,
        register_contact=Record.CONTACT in new and known_contact is None,
    )
