"""Which events of the log make the router drain queues, and which do not."""

from __future__ import annotations

import json
from dataclasses import replace
from uuid import UUID, uuid4

from aiokafka.structs import ConsumerRecord

from application.queue_draining import PLACE_OPENING_EVENTS, Drain, drain_after
from services.router.queue_reactions import drains_of


def record(value: bytes, offset: int = 0) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic="t.domain-events",
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=None,
        value=value,
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=len(value),
        headers=(),
    )


def event(kind: str, aggregate: UUID) -> bytes:
    return json.dumps({"type": kind, "aggregate_id": str(aggregate), "data": {}}).encode()


def test_a_place_opening_for_a_manager_drains_their_teams() -> None:
    manager = uuid4()
    for kind in PLACE_OPENING_EVENTS:
        assert drain_after(kind, manager) == Drain(manager_id=manager), kind


def test_new_rules_drain_every_team_they_name() -> None:
    assert drain_after("Rulebook.Applied", uuid4()) == Drain(rule_teams=True)


def test_taking_a_lead_or_a_customer_writing_drains_nothing() -> None:
    for kind in ("Manager.LeadTaken", "Lead.Assigned", "Conversation.CustomerWrote", "Team.LeadQueued"):
        assert drain_after(kind, uuid4()) is None, kind


def test_a_batch_drains_each_queue_once_in_order_of_first_appearance() -> None:
    anna, boris = uuid4(), uuid4()
    batch = [
        record(event("Manager.WorkDayStarted", anna), 0),
        record(event("Manager.LeadTaken", boris), 1),
        record(event("Manager.CameOnline", boris), 2),
        record(event("Manager.LeadReleased", anna), 3),
        record(event("Rulebook.Applied", uuid4()), 4),
    ]
    assert drains_of(batch) == [Drain(manager_id=anna), Drain(manager_id=boris), Drain(rule_teams=True)]


def test_records_that_are_not_events_are_no_call_for_a_drain() -> None:
    anna = uuid4()
    batch = [
        record(b"\xff\xfe not json", 0),
        record(b"[1, 2]", 1),
        record(json.dumps({"type": "Manager.WorkDayStarted", "aggregate_id": "not-an-id"}).encode(), 2),
        record(b"[" * 100_000, 3),
        record(event("Manager.WorkDayResumed", anna), 4),
    ]
    assert drains_of(batch) == [Drain(manager_id=anna)]


def test_an_event_whose_type_header_opens_no_place_is_not_even_decoded() -> None:
    anna = uuid4()
    typed = record(event("Manager.WorkDayStarted", anna))
    skipped = replace(typed, headers=(("type", b"Manager.LeadTaken"),))
    kept = replace(typed, headers=(("type", b"Manager.WorkDayStarted"),))
    assert drains_of([skipped]) == []
    assert drains_of([kept]) == [Drain(manager_id=anna)]
