"""Create a sales pipeline with its stages; the default pipeline is created on first use."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from application.assigning import Assigning
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.pipeline import DEFAULT_PIPELINE_ID, DEFAULT_PIPELINE_NAME, DEFAULT_STAGES, Pipeline, StageDraft


def create_pipeline(store: EventStore, name: str, stages: Sequence[StageDraft], by: UUID) -> UUID:
    """A new pipeline with ``stages`` in order (at least one in progress, one won, one lost); returns its id."""
    pipeline = Pipeline.create(uuid4(), name, stages, by)

    def command(work: UnitOfWork, _: Assigning) -> UUID:
        work.add(pipeline)
        return pipeline.id

    return store.transact(command)


def default_pipeline(work: UnitOfWork) -> Pipeline:
    """The default pipeline ("Sales": New, Qualification, Proposal, Negotiation, Won, Lost), created if missing.

    Its id is fixed, so two first uses at once create it once: the second writer's save collides
    and is redone on fresh state, where it finds the pipeline.
    """
    found = work.find(DEFAULT_PIPELINE_ID, Pipeline)
    if found is None:
        found = Pipeline.create(DEFAULT_PIPELINE_ID, DEFAULT_PIPELINE_NAME, DEFAULT_STAGES, None)
        work.add(found)
    return found


def ensure_default_pipeline(store: EventStore) -> UUID:
    """The default pipeline's id, creating the pipeline if it does not exist yet."""
    return store.transact(lambda work, _: default_pipeline(work).id)
