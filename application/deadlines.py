"""Deadlines the router keeps: a lead's answer deadline and its offer's expiry.

They are written by the event store in the same transaction as the events that set or clear them
(see ``deadline_recorders``), so the router finds its overdue leads in its own state, after any
restart, without reading a read model.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.lead import Lead, LeadStatus


class DeadlineKind(enum.StrEnum):
    """What happens when a deadline passes."""

    ANSWER = "answer"  # the holder has not answered: the lead goes to the next eligible manager
    OFFER = "offer"  # nobody accepted the offer: the lead is assigned evenly


@dataclass(frozen=True)
class Deadline:
    """One lead's deadline of one kind; ``due_at`` None means it no longer runs."""

    lead_id: UUID
    kind: DeadlineKind
    due_at: datetime | None


class DeadlineBook(Protocol):
    """Where the event store keeps deadlines, beside the events."""

    def due(self, kind: DeadlineKind, at: datetime, limit: int) -> list[UUID]:
        """Leads whose deadline of ``kind`` is at or before ``at``, the earliest first."""


def deadlines_of(aggregates: Iterable[Aggregate]) -> list[Deadline]:
    """Every deadline of the leads among ``aggregates`` that have unsaved events, as it now stands."""
    deadlines = []
    for lead in aggregates:
        if not isinstance(lead, Lead) or not lead.pending_events:
            continue
        answering = lead.status is LeadStatus.ASSIGNED and not lead.answered
        offered = lead.status is LeadStatus.OFFERED
        deadlines.append(Deadline(lead.id, DeadlineKind.ANSWER, lead.answer_by if answering else None))
        deadlines.append(Deadline(lead.id, DeadlineKind.OFFER, lead.offer_expires_at if offered else None))
    return deadlines
