"""Rename a pipeline's stage: deals stay at it (by its id), and events already recorded keep the old name."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.errors import UnknownPipeline
from application.event_store import EventStore
from application.sales_records import editable
from application.unit_of_work import UnitOfWork
from domain.pipeline import Pipeline


def rename_stage(  # noqa: PLR0913 - which stage, its new name, who, and the version seen
    store: EventStore, pipeline_id: UUID, stage_id: UUID, name: str, by: UUID, expected_version: int | None = None
) -> int:
    """Give the stage a new name; returns the pipeline's version."""

    def command(work: UnitOfWork, _: Assigning) -> int:
        pipeline = editable(work, pipeline_id, Pipeline, expected_version, UnknownPipeline)
        pipeline.rename_stage(stage_id, name, by)
        return pipeline.version

    return store.transact(command)
