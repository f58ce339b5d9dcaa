"""Put a pipeline's stages in a new order; what deals recorded stays as it was."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from application.assigning import Assigning
from application.errors import UnknownPipeline
from application.event_store import EventStore
from application.sales_records import editable
from application.unit_of_work import UnitOfWork
from domain.pipeline import Pipeline


def reorder_stages(
    store: EventStore, pipeline_id: UUID, order: Sequence[UUID], by: UUID, expected_version: int | None = None
) -> int:
    """Order the stages as ``order`` lists them (every stage once); returns the pipeline's version."""

    def command(work: UnitOfWork, _: Assigning) -> int:
        pipeline = editable(work, pipeline_id, Pipeline, expected_version, UnknownPipeline)
        pipeline.reorder_stages(order, by)
        return pipeline.version

    return store.transact(command)
