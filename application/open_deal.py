"""Open a deal in a pipeline, for a contact or a company, from a lead or from nothing.

``opening`` does it inside a caller's unit of work, so that converting a lead can open the deal in
the same transaction as the contact and the company it creates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid4

from application.create_pipeline import default_pipeline
from application.errors import UnknownPipeline
from application.event_store import EventStore
from application.sales_records import manager_named, record_named
from application.unit_of_work import UnitOfWork
from domain.deal import Deal, close_date
from domain.errors import InvalidField
from domain.money import Money, currency_code
from domain.pipeline import Pipeline


@dataclass(frozen=True)
class OpenedDeal:
    """The deal opened (or found already open under the same id) and its version."""

    deal_id: UUID
    version: int
    duplicate: bool


@dataclass(frozen=True)
class DealOpening:
    """What a new deal is given; None leaves a field to its default."""

    title: str
    currency: str
    pipeline_id: UUID | None = None  # None: the default pipeline
    stage_id: UUID | None = None  # None: the pipeline's first stage in progress
    amount: object = None  # decimal text or a Decimal, set by hand; None: the sum of its product lines
    expected_close: date | str | None = None
    responsible_id: UUID | None = None  # None: whoever opens it
    observers: Sequence[UUID] = ()
    contact_id: UUID | None = None
    company_id: UUID | None = None
    lead_id: UUID | None = None
    deal_id: UUID | None = None  # given: opening it twice opens it once


def open_deal(store: EventStore, opening: DealOpening, by: UUID) -> OpenedDeal:
    """Open a deal as ``opening`` describes it, by manager ``by``."""
    return store.transact(lambda work, _: open_in(work, opening, by, store.clock()))


def open_in(work: UnitOfWork, opening: DealOpening, by: UUID, at: datetime) -> OpenedDeal:
    """Open the deal inside ``work``, among the caller's other changes."""
    deal_id = opening.deal_id or uuid4()
    existing = work.get(deal_id)
    if isinstance(existing, Deal):
        return OpenedDeal(deal_id, existing.version, duplicate=True)
    if existing is not None:
        raise InvalidField("deal_id", f"{deal_id} is the id of another record")
    if opening.pipeline_id is None:
        pipeline = default_pipeline(work)
    else:
        found = work.find(opening.pipeline_id, Pipeline)
        if found is None:
            raise UnknownPipeline(opening.pipeline_id)
        pipeline = found
    stage = pipeline.first if opening.stage_id is None else pipeline.stage(opening.stage_id)
    if stage is None:
        raise InvalidField("stage_id", f"is not a stage of pipeline {pipeline.name!r}: {opening.stage_id}")
    currency = currency_code(opening.currency)
    deal = Deal.open(
        deal_id,
        opening.title,
        pipeline.id,
        stage,
        by,
        at,
        currency=currency,
        amount=None if opening.amount is None else Money.of(opening.amount, currency),
        expected_close=close_date(opening.expected_close),
        responsible_id=manager_named(work, opening.responsible_id or by, "responsible_id"),
        observers=tuple(manager_named(work, m, "observers") for m in opening.observers),
        contact_id=record_named(work, "contact", opening.contact_id, "contact_id"),
        company_id=record_named(work, "company", opening.company_id, "company_id"),
        lead_id=record_named(work, "lead", opening.lead_id, "lead_id"),
    )
    work.add(deal)
    return OpenedDeal(deal.id, deal.version, duplicate=False)
