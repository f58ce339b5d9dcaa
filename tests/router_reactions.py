"""Running a use case of another process in a test, then what the router does when it sees its events.

In the system the router reads the events from the domain-events topic and drains the queues they
opened a place in (``services/router/queue_reactions.py``). Tests that call use cases directly,
with no router running, play that part with ``routed``: the same mapping from events to drains, the
same drain use case, applied to the notifications the call wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import ApplicationRecorder

from application.event_store import EventStore
from application.queue_draining import Drain, drain, drain_after

T = TypeVar("T")


def routed(store: EventStore, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``use_case(store, *args, **kwargs)``, then every drain its events call for, as the router would."""
    recorder = store.recorder
    assert isinstance(recorder, ApplicationRecorder)
    position = recorder.max_notification_id() or 0
    result = use_case(store, *args, **kwargs)
    settle(store, position)
    return result


def settle(store: EventStore, after: int) -> int:
    """Drain for every event after notification ``after``, and for those the drains wrote; returns the last id."""
    recorder = store.recorder
    assert isinstance(recorder, ApplicationRecorder)
    while True:
        page = recorder.select_notifications(after, 1000, inclusive_of_start=False)
        if not page:
            return after
        wanted: dict[Drain, None] = {}
        for notification in page:
            event = store.mapper.to_domain_event(notification)
            assert isinstance(event, DomainEvent)
            found = drain_after(type(event).__qualname__, UUID(str(notification.originator_id)))
            if found is not None:
                wanted[found] = None
        after = page[-1].id
        for each in wanted:
            drain(store, each)
