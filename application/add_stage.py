"""Add a stage to a pipeline, at a place in its order; deals and their history are untouched."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.errors import UnknownPipeline
from application.event_store import EventStore
from application.sales_records import editable
from application.unit_of_work import UnitOfWork
from domain.pipeline import Pipeline, StageDraft, StageKind


def add_stage(  # noqa: PLR0913 - the stage, where it goes, who adds it, and the version seen
    store: EventStore,
    pipeline_id: UUID,
    name: str,
    kind: StageKind | str,
    probability: int,
    by: UUID,
    *,
    position: int | None = None,
    expected_version: int | None = None,
) -> UUID:
    """Add a stage at ``position`` (0 first; None last); returns the new stage's id."""

    def command(work: UnitOfWork, _: Assigning) -> UUID:
        pipeline = editable(work, pipeline_id, Pipeline, expected_version, UnknownPipeline)
        return pipeline.add_stage(StageDraft(name, kind, probability), by, position).id

    return store.transact(command)
