"""The use cases against the real event store on PostgreSQL: capacity, presence, replies, concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import ApplicationRecorder, Notification

from application.errors import NotYourConversation
from application.event_store import EventStore
from application.managers import register_manager
from application.receive_messages import receive_messages
from application.receiving import Outcome
from application.reply import reply
from application.work_day import change_work_day
from domain.identities import lead_id
from domain.inbound import InboundMessage
from services.bootstrap import build_event_store
from services.settings import Settings
from tests.router_reactions import routed

pytestmark = pytest.mark.integration

TEAM = "sales"


def now() -> datetime:
    return datetime.now(tz=UTC)


def webchat(visitor: str, message: str, text: str = "hello") -> InboundMessage:
    return InboundMessage.from_visitor(visitor, message, text, now())


def working_manager(store: EventStore, name: str, capacity: int = 5) -> UUID:
    manager_id = register_manager(store, name, f"{name}@example.com", capacity, TEAM)
    routed(store, change_work_day, manager_id, "start")
    return manager_id


def notifications(store: EventStore) -> list[Notification]:
    recorder = store.recorder
    assert isinstance(recorder, ApplicationRecorder)
    return list(recorder.select_notifications(start=0, limit=100_000, inclusive_of_start=False))


def events(store: EventStore, suffix: str) -> list[Any]:
    return [store.mapper.to_domain_event(n) for n in notifications(store) if n.topic.endswith(suffix)]


def event_types(store: EventStore) -> list[str]:
    return [n.topic.rsplit(".", 1)[-1] for n in notifications(store)]


def test_a_first_message_opens_a_conversation_and_a_lead_assigned_to_a_working_manager(store: EventStore) -> None:
    anna = working_manager(store, "anna")
    [result] = receive_messages(store, [webchat("v1", "m1")])
    assert result.outcome is Outcome.STORED
    assert result.assigned_to == anna
    assert store.repository.get(lead_id(result.conversation_id)).manager_id == anna
    assigned = events(store, "Lead.Assigned")
    assert len(assigned) == 1
    assert assigned[0].reasons["strategy"] == "evenly"
    assert assigned[0].reasons["rule"] == "default"
    assert assigned[0].reasons["candidates"] == [{"manager_id": str(anna), "name": "anna", "outcome": "chosen"}]


def test_a_redelivered_message_is_stored_once(store: EventStore) -> None:
    working_manager(store, "anna")
    first = receive_messages(store, [webchat("v1", "m1"), webchat("v1", "m1")])
    again = receive_messages(store, [webchat("v1", "m1")])
    assert [r.outcome for r in first + again] == [Outcome.STORED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert event_types(store).count("CustomerWrote") == 1


def test_absent_and_full_managers_are_skipped_with_their_reasons(store: EventStore) -> None:
    full = working_manager(store, "full", capacity=1)
    absent = register_manager(store, "absent", "absent@example.com", 5, TEAM)
    paused = working_manager(store, "paused")
    routed(store, change_work_day, paused, "pause")
    [first] = receive_messages(store, [webchat("v1", "m1")])
    [second] = receive_messages(store, [webchat("v2", "m1")])
    assert first.assigned_to == full
    assert second.assigned_to is None
    queued = events(store, "Lead.Queued")
    outcomes = {c["manager_id"]: c["outcome"] for c in queued[0].reasons["candidates"]}
    assert outcomes == {
        str(full): "skipped: at_capacity",
        str(absent): "skipped: work_day_not_started",
        str(paused): "skipped: paused",
    }


def test_leads_are_spread_evenly_among_working_managers(store: EventStore) -> None:
    managers = [working_manager(store, name) for name in ("a", "b", "c")]
    results = receive_messages(store, [webchat(f"v{i}", "m") for i in range(9)])
    counts = {m: sum(r.assigned_to == m for r in results) for m in managers}
    assert sorted(counts.values()) == [3, 3, 3]


def test_only_the_holder_may_reply_and_a_repeated_request_is_stored_once(store: EventStore) -> None:
    anna = working_manager(store, "anna")
    boris = register_manager(store, "boris", "boris@example.com", 5, TEAM)
    [result] = receive_messages(store, [webchat("v1", "m1")])
    with pytest.raises(NotYourConversation):
        reply(store, result.conversation_id, boris, "hi", "r1")
    first = reply(store, result.conversation_id, anna, "hi", "r1")
    second = reply(store, result.conversation_id, anna, "hi", "r1")
    assert (first.duplicate, second.duplicate) == (False, True)
    assert event_types(store).count("OperatorReplied") == 1


def test_two_routers_at_once_never_exceed_a_managers_capacity(settings: Settings, store: EventStore) -> None:
    capacity = 7
    working_manager(store, "solo", capacity=capacity)
    other = build_event_store(settings)
    errors: list[BaseException] = []

    def route(app: EventStore, prefix: str) -> None:
        try:
            for i in range(10):
                receive_messages(app, [webchat(f"{prefix}{i}", "m")])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=route, args=(app, p)) for app, p in ((store, "x"), (other, "y"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    other.close()
    assert not errors
    types = event_types(store)
    assert types.count("LeadTaken") == capacity
    assert types.count("Assigned") == capacity
    # A lead that arrived earlier but was stored later moves the ones behind it: one more Queued each.
    assert len({e.originator_id for e in events(store, "Lead.Queued")}) == 20 - capacity
