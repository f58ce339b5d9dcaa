"""Move a deal to a stage of its pipeline: won or lost closes it (lost with a reason), and it may reopen."""

from __future__ import annotations

from uuid import UUID

from application.errors import UnknownDeal
from application.event_store import EventStore
from application.sales_records import edit
from application.unit_of_work import UnitOfWork
from domain.deal import Deal
from domain.errors import InvalidField
from domain.pipeline import Pipeline


def move_deal(  # noqa: PLR0913 - which deal, where, why, who, and the version seen
    store: EventStore,
    deal_id: UUID,
    stage_id: UUID,
    by: UUID,
    reason: str = "",
    expected_version: int | None = None,
) -> int:
    """Move the deal to ``stage_id``; a lost stage needs ``reason``. Returns the deal's version."""
    at = store.clock()

    def change(deal: Deal, work: UnitOfWork) -> None:
        pipeline = work.find(deal.pipeline_id, Pipeline)
        stage = pipeline.stage(stage_id) if pipeline else None
        if pipeline is None or stage is None:
            raise InvalidField("stage_id", f"is not a stage of the deal's pipeline: {stage_id}")
        deal.move_to(stage, by, at, reason)

    return edit(store, deal_id, Deal, expected_version, UnknownDeal, change)
