"""Routing invariants checked over the whole event log, in order."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import ApplicationRecorder

from application.event_store import EventStore


def log_events(store: EventStore) -> list[tuple[str, UUID, dict[str, Any]]]:
    """Every event in notification order: (Aggregate.Event, aggregate id, attributes)."""
    recorder = store.recorder
    assert isinstance(recorder, ApplicationRecorder)
    found = []
    for n in recorder.select_notifications(0, 1_000_000, inclusive_of_start=False):
        event = store.mapper.to_domain_event(n)
        assert isinstance(event, DomainEvent)
        found.append((type(event).__qualname__, UUID(str(n.originator_id)), vars(event)))
    return found


def check_routing_invariants(store: EventStore) -> dict[UUID, str]:
    """Fail if a lead had two holders, a manager went over capacity or an absent one got a lead.

    Returns each lead's final status.
    """
    holder: dict[UUID, UUID | None] = {}
    load: dict[UUID, int] = defaultdict(int)
    capacity: dict[UUID, int] = {}
    present: dict[UUID, bool] = defaultdict(bool)
    status: dict[UUID, str] = {}
    for kind, aggregate, data in log_events(store):
        if kind in {"Manager.Registered", "Manager.CapacityChanged"}:
            capacity[aggregate] = data["capacity"]
        elif kind in ("Manager.WorkDayStarted", "Manager.WorkDayResumed"):
            present[aggregate] = True
        elif kind in ("Manager.WorkDayPaused", "Manager.WorkDayEnded"):
            present[aggregate] = False
        elif kind == "Manager.LeadTaken":
            assert load[aggregate] < capacity[aggregate], f"manager {aggregate} over capacity"
            load[aggregate] += 1
        elif kind == "Manager.LeadReleased":
            load[aggregate] -= 1
        elif kind == "Lead.Assigned":
            assert holder.get(aggregate) is None, f"lead {aggregate} assigned twice"
            assert present[data["manager_id"]], f"lead {aggregate} given to an absent manager"
            holder[aggregate] = data["manager_id"]
            status[aggregate] = "assigned"
        elif kind in ("Lead.Released", "Lead.Closed", "Lead.Reopened"):
            holder[aggregate] = None
            status[aggregate] = "closed" if kind == "Lead.Closed" else "new"
        elif kind == "Lead.Created":
            status[aggregate] = "new"
        elif kind in ("Lead.Queued", "Lead.Offered"):
            status[aggregate] = kind.removeprefix("Lead.").lower()
    assert all(n >= 0 for n in load.values())
    return status
