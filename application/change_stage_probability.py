"""Change a stage's default probability; deals already at the stage keep the probability they have."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.errors import UnknownPipeline
from application.event_store import EventStore
from application.sales_records import editable
from application.unit_of_work import UnitOfWork
from domain.pipeline import Pipeline


def change_stage_probability(  # noqa: PLR0913 - which stage, the new value, who, and the version seen
    store: EventStore,
    pipeline_id: UUID,
    stage_id: UUID,
    probability: int,
    by: UUID,
    expected_version: int | None = None,
) -> int:
    """Set the stage's default probability in percent; returns the pipeline's version."""

    def command(work: UnitOfWork, _: Assigning) -> int:
        pipeline = editable(work, pipeline_id, Pipeline, expected_version, UnknownPipeline)
        pipeline.change_probability(stage_id, probability, by)
        return pipeline.version

    return store.transact(command)
