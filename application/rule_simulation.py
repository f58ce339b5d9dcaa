"""``switchboard route simulate``: recorded leads through proposed rules, against recorded presence.

Nothing is written. Presence (work days, capacity, hours, absences, console
presence) and every lead's arrival and closing are replayed from the event
store in order; each lead of the period is routed by the proposed rules with
the same policy the router uses. Leads before the period keep their recorded
managers, so the load at the start of the period is as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import ApplicationRecorder

from application.event_store import EventStore
from application.simulated_world import SimulationReport, World, apply
from domain.rules import RuleSet


def simulate(store: EventStore, rules: RuleSet, since: datetime | None = None) -> SimulationReport:
    """Replay the log through ``rules``; write nothing."""
    world = World(rules=rules, since=since)
    for kind, aggregate_id, at, data in _events(store):
        apply(world, kind, aggregate_id, at, data)
    names = {m.manager_id: m.name for m in world.managers.values()}
    for lead_id in world.leads:
        if since is not None and world.leads[lead_id].received_at < since:
            continue
        world.report.leads += 1
        was, would = world.recorded.get(lead_id), world.holder.get(lead_id)
        if was:
            world.report.before[names.get(was, str(was))] += 1
        if would:
            world.report.after[names.get(would, str(would))] += 1
        if was != would and would is not None:
            world.report.changed_hands.append(
                (lead_id, names.get(was, "(nobody)") if was else "(nobody)", names.get(would, str(would)))
            )
    world.report.would_wait = list(world.waiting)
    return world.report


def _events(store: EventStore) -> Iterator[tuple[str, UUID, datetime, dict[str, Any]]]:
    recorder = store.recorder
    assert isinstance(recorder, ApplicationRecorder)
    position = 0
    while True:
        page = recorder.select_notifications(position, 500, inclusive_of_start=False)
        if not page:
            return
        for notification in page:
            event = store.mapper.to_domain_event(notification)
            assert isinstance(event, DomainEvent)
            yield type(event).__qualname__, UUID(str(notification.originator_id)), event.timestamp, vars(event)
        position = page[-1].id
