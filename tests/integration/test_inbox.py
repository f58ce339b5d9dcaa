"""The inbox application against the real event store on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import ApplicationRecorder, Notification

from domain.identities import lead_id
from domain.inbound import InboundMessage
from services.bootstrap import build_inbox
from services.router.inbox import Inbox, NotYourConversation
from services.router.receiving import Outcome
from services.settings import Settings

pytestmark = pytest.mark.integration

TEAM = "sales"


def now() -> datetime:
    return datetime.now(tz=UTC)


def webchat(visitor: str, message: str, text: str = "hello") -> InboundMessage:
    return InboundMessage.from_visitor(visitor, message, text, now())


def working_manager(inbox: Inbox, name: str, capacity: int = 5) -> UUID:
    manager_id = inbox.register_manager(name, f"{name}@example.com", capacity, TEAM)
    inbox.start_work_day(manager_id)
    return manager_id


def notifications(inbox: Inbox) -> list[Notification]:
    recorder = inbox.recorder
    assert isinstance(recorder, ApplicationRecorder)
    return list(recorder.select_notifications(start=0, limit=100_000, inclusive_of_start=False))


def events(inbox: Inbox, suffix: str) -> list[Any]:
    return [inbox.mapper.to_domain_event(n) for n in notifications(inbox) if n.topic.endswith(suffix)]


def event_types(inbox: Inbox) -> list[str]:
    return [n.topic.rsplit(".", 1)[-1] for n in notifications(inbox)]


def test_a_first_message_opens_a_conversation_and_a_lead_assigned_to_a_working_manager(inbox: Inbox) -> None:
    anna = working_manager(inbox, "anna")
    [result] = inbox.receive([webchat("v1", "m1")])
    assert result.outcome is Outcome.STORED
    assert result.assigned_to == anna
    assert inbox.repository.get(lead_id(result.conversation_id)).manager_id == anna
    assigned = events(inbox, "Lead.Assigned")
    assert len(assigned) == 1
    assert assigned[0].reasons["strategy"] == "evenly"
    assert assigned[0].reasons["rule"] == "default"
    assert assigned[0].reasons["candidates"] == [{"manager_id": str(anna), "name": "anna", "outcome": "chosen"}]


def test_a_redelivered_message_is_stored_once(inbox: Inbox) -> None:
    working_manager(inbox, "anna")
    first = inbox.receive([webchat("v1", "m1"), webchat("v1", "m1")])
    again = inbox.receive([webchat("v1", "m1")])
    assert [r.outcome for r in first + again] == [Outcome.STORED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert event_types(inbox).count("CustomerWrote") == 1


def test_absent_and_full_managers_are_skipped_with_their_reasons(inbox: Inbox) -> None:
    full = working_manager(inbox, "full", capacity=1)
    absent = inbox.register_manager("absent", "absent@example.com", 5, TEAM)
    paused = working_manager(inbox, "paused")
    inbox.pause_work_day(paused)
    [first] = inbox.receive([webchat("v1", "m1")])
    [second] = inbox.receive([webchat("v2", "m1")])
    assert first.assigned_to == full
    assert second.assigned_to is None
    queued = events(inbox, "Lead.Queued")
    outcomes = {c["manager_id"]: c["outcome"] for c in queued[0].reasons["candidates"]}
    assert outcomes == {
        str(full): "skipped: at_capacity",
        str(absent): "skipped: work_day_not_started",
        str(paused): "skipped: paused",
    }


def test_leads_are_spread_evenly_among_working_managers(inbox: Inbox) -> None:
    managers = [working_manager(inbox, name) for name in ("a", "b", "c")]
    results = inbox.receive([webchat(f"v{i}", "m") for i in range(9)])
    counts = {m: sum(r.assigned_to == m for r in results) for m in managers}
    assert sorted(counts.values()) == [3, 3, 3]


def test_only_the_holder_may_reply_and_a_repeated_request_is_stored_once(inbox: Inbox) -> None:
    anna = working_manager(inbox, "anna")
    boris = inbox.register_manager("boris", "boris@example.com", 5, TEAM)
    [result] = inbox.receive([webchat("v1", "m1")])
    with pytest.raises(NotYourConversation):
        inbox.reply(result.conversation_id, boris, "hi", "r1")
    first = inbox.reply(result.conversation_id, anna, "hi", "r1")
    second = inbox.reply(result.conversation_id, anna, "hi", "r1")
    assert (first.duplicate, second.duplicate) == (False, True)
    assert event_types(inbox).count("OperatorReplied") == 1


def test_two_routers_at_once_never_exceed_a_managers_capacity(settings: Settings, inbox: Inbox) -> None:
    capacity = 7
    working_manager(inbox, "solo", capacity=capacity)
    other = build_inbox(settings)
    errors: list[BaseException] = []

    def route(app: Inbox, prefix: str) -> None:
        try:
            for i in range(10):
                app.receive([webchat(f"{prefix}{i}", "m")])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=route, args=(app, p)) for app, p in ((inbox, "x"), (other, "y"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    other.close()
    assert not errors
    types = event_types(inbox)
    assert types.count("LeadTaken") == capacity
    assert types.count("Assigned") == capacity
    # A lead that arrived earlier but was stored later moves the ones behind it: one more Queued each.
    assert len({e.originator_id for e in events(inbox, "Lead.Queued")}) == 20 - capacity
