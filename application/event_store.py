"""The event store as the use cases see it: a transaction over a unit of work, and loading in bulk.

This is the one place that knows the event store library's recorders: every use case runs through
``transact``, which loads what a command needs, saves what it changed together with the deadlines
those changes set, and redoes the command on fresh state when another writer got there first.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import ApplicationRecorder, IntegrityError, Transcoder
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.utils import EnvType

from application.assigning import Assigning
from application.batch_loading import load_many
from application.deadline_recorders import DEADLINES, InMemoryDeadlineRecorder, PostgresDeadlineRecorder
from application.deadlines import DeadlineBook, deadlines_of
from application.event_json import OrjsonTranscoder
from application.lookalike_lists import LOOKALIKES, LookalikeBook
from application.unit_of_work import UnitOfWork

T = TypeVar("T")
MAX_ATTEMPTS = 12
RECORDER = "APPLICATION_RECORDER_TOPIC"  # picks the PostgreSQL recorder class; the in-memory one is below
Command = Callable[[UnitOfWork, Assigning], T]


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(tz=UTC)


class EventStore(Application[UUID]):
    """Switchboard's aggregates in the event store, with the default team and the clock routing uses."""

    name = "switchboard"

    def __init__(
        self, env: EnvType | None = None, team: str = "sales", clock: Callable[[], datetime] = utc_now
    ) -> None:
        super().__init__(
            {RECORDER: f"{PostgresDeadlineRecorder.__module__}:{PostgresDeadlineRecorder.__name__}", **(env or {})}
        )
        self.team = team
        self.clock = clock

    def construct_transcoder(self) -> Transcoder:
        """The library's JSON format and transcodings, written with orjson."""
        transcoder = OrjsonTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_recorder(self) -> ApplicationRecorder:
        """The recorder of the configured backend; deadlines are written beside the events on both."""
        recorder = super().construct_recorder()
        if type(recorder) is POPOApplicationRecorder:
            return InMemoryDeadlineRecorder()
        return recorder

    @property
    def deadlines(self) -> DeadlineBook:
        """The deadlines saved with the events."""
        recorder = self.recorder
        assert isinstance(recorder, PostgresDeadlineRecorder | InMemoryDeadlineRecorder)
        return recorder

    @property
    def lookalike_book(self) -> LookalikeBook:
        """The lookalike lists saved with the events."""
        recorder = self.recorder
        assert isinstance(recorder, PostgresDeadlineRecorder | InMemoryDeadlineRecorder)
        return recorder.lookalikes

    def unit_of_work(self, prefetched: dict[UUID, Aggregate | None] | None = None) -> UnitOfWork:
        """A unit of work on this store: its aggregates and its lookalike lists."""
        return UnitOfWork(self.load, prefetched, self.lookalike_book)

    def transact(self, command: Command[T], prefetch: Callable[[], dict[UUID, Aggregate | None]] = dict) -> T:
        """Run ``command`` on one unit of work and save what it changed, all or nothing."""
        for attempt in range(MAX_ATTEMPTS):
            work = self.unit_of_work(prefetch())
            result = command(work, Assigning(work, self.team, self.clock))
            # Only what has new events: the rest would cost the library a protocol check each.
            changed = [a for a in work.changed() if a.pending_events]
            try:
                self.save(*changed, **{DEADLINES: deadlines_of(changed), LOOKALIKES: work.lookalikes.changes()})
            except IntegrityError:
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                # Another writer got there first: back off a little, at random, then redo on fresh state.
                time.sleep(random.uniform(0, 0.002 * 2**attempt))  # noqa: S311 - jitter, not secrecy
                continue
            return result
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def load(self, aggregate_id: UUID) -> Aggregate | None:
        """One aggregate as it now stands; None if it has no events."""
        try:
            found: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found

    def load_many(self, ids: set[UUID]) -> dict[UUID, Aggregate | None]:
        """Aggregates by id (None: no events), in as few queries as the backend allows."""
        return load_many(self, ids)

    def history(self, aggregate_id: UUID) -> list[DomainEvent]:
        """Every event of one aggregate, oldest first."""
        return [e for e in self.repository.event_store.get(aggregate_id) if isinstance(e, DomainEvent)]
