"""The timers the router keeps: a lead's answer deadline, its offer's expiry, an activity's reminder.

They are written by the event store in the same transaction as the events that set or clear them
(see ``deadline_recorders``), so the router finds what is past due in its own state, after any
restart, without reading a read model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.timers import Timed, TimerKind


@dataclass(frozen=True)
class Deadline:
    """One aggregate's timer of one kind; ``due_at`` None means it no longer runs."""

    subject_id: UUID
    kind: TimerKind
    due_at: datetime | None


class DeadlineBook(Protocol):
    """Where the event store keeps deadlines, beside the events."""

    def due(self, kind: TimerKind, at: datetime, limit: int) -> list[UUID]:
        """Aggregates whose timer of ``kind`` is due at or before ``at``, the earliest first."""


def deadlines_of(aggregates: Iterable[Aggregate]) -> list[Deadline]:
    """Every timer of the aggregates among these that have unsaved events, as it now stands."""
    return [
        Deadline(aggregate.id, kind, due_at)
        for aggregate in aggregates
        # pending_events first: a check against a runtime Protocol costs more than the whole rest
        if aggregate.pending_events and isinstance(aggregate, Timed)
        for kind, due_at in aggregate.timers().items()
    ]
