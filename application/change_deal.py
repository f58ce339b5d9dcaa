"""Change a deal's details: title, expected close, probability, currency, contact, company."""

from __future__ import annotations

import enum
from datetime import date
from uuid import UUID

from application.errors import UnknownDeal
from application.event_store import EventStore
from application.sales_records import edit, record_named
from application.unit_of_work import UnitOfWork
from domain.deal import Deal, close_date


class Keep(enum.Enum):
    """A field left as it is (None is a value: it clears the field)."""

    KEEP = "keep"


KEEP = Keep.KEEP


def change_deal(  # noqa: PLR0913 - each detail may change; KEEP leaves it
    store: EventStore,
    deal_id: UUID,
    by: UUID,
    *,
    title: str | Keep = KEEP,
    expected_close: date | str | Keep | None = KEEP,
    probability: int | Keep | None = KEEP,
    currency: str | Keep = KEEP,
    contact_id: UUID | Keep | None = KEEP,
    company_id: UUID | Keep | None = KEEP,
    expected_version: int | None = None,
) -> int:
    """Change the details given; a probability of None returns to the stage's. Returns the deal's version."""

    def change(deal: Deal, work: UnitOfWork) -> None:
        if not isinstance(title, Keep):
            deal.rename(title, by)
        if not isinstance(expected_close, Keep):
            deal.expect_close(close_date(expected_close), by)
        if not isinstance(probability, Keep):
            deal.set_probability(probability, by)
        if not isinstance(currency, Keep):
            deal.change_currency(currency, by)
        if not isinstance(contact_id, Keep):
            deal.link_contact(record_named(work, "contact", contact_id, "contact_id"), by)
        if not isinstance(company_id, Keep):
            deal.link_company(record_named(work, "company", company_id, "company_id"), by)

    return edit(store, deal_id, Deal, expected_version, UnknownDeal, change)
