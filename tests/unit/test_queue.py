"""The queue: leads wait in the order they arrived, and a closed conversation's lead waits for nobody."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.accept_offer import accept_offer
from application.close_conversation import close_conversation
from application.event_store import EventStore
from application.managers import register_manager
from application.overdue_leads import expire_offer, reroute_unanswered
from application.receive_messages import receive_messages
from application.rules import apply_rules
from application.work_day import change_work_day
from domain.identities import conversation_id, lead_id, team_id
from domain.inbound import InboundMessage
from domain.lead import Lead, LeadClosed, LeadStatus
from domain.rules import Rule, RuleSet, Strategy
from domain.team import Team
from tests.log_invariants import log_events
from tests.router_reactions import routed

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEAM = "sales"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team=TEAM, clock=clock)


def visitor_writes(store: EventStore, visitor: str, at: datetime) -> UUID:
    receive_messages(store, [InboundMessage.from_visitor(visitor, "1", "hello", at)])
    return lead_id(conversation_id("webchat", visitor))


def lead(store: EventStore, lead: UUID) -> Lead:
    found = store.repository.get(lead)
    assert isinstance(found, Lead)
    return found


def waiting(store: EventStore) -> list[UUID]:
    team = store.repository.get(team_id(TEAM))
    assert isinstance(team, Team)
    return list(team.waiting)


def events_of(store: EventStore, kind: str) -> list[tuple[UUID, dict[str, Any]]]:
    return [(aggregate, data) for k, aggregate, data in log_events(store) if k == kind]


def last_position(store: EventStore, lead: UUID) -> int:
    return [d["position"] for a, d in events_of(store, "Lead.Queued") if a == lead][-1]


# Arrival order, in the domain.


def test_the_team_queue_orders_leads_by_arrival_whatever_order_they_join_in() -> None:
    team = Team(name=TEAM)
    first, second, third = uuid4(), uuid4(), uuid4()
    assert team.enqueue(second, T0 + timedelta(seconds=2)) == 1
    assert team.enqueue(first, T0 + timedelta(seconds=1)) == 1
    assert team.enqueue(third, T0 + timedelta(seconds=3)) == 3
    assert team.waiting == [first, second, third]


def test_leads_that_arrived_at_the_same_instant_wait_in_the_order_of_their_ids() -> None:
    a, b = sorted((uuid4(), uuid4()), key=str)
    one, other = Team(name=TEAM), Team(name=TEAM)
    one.enqueue(b, T0)
    one.enqueue(a, T0)
    other.enqueue(a, T0)
    other.enqueue(b, T0)
    assert one.waiting == other.waiting == [a, b]


def test_a_team_rebuilt_from_its_events_keeps_the_order() -> None:
    team = Team(name=TEAM)
    for n in (3, 1, 2):
        team.enqueue(UUID(int=n), T0 + timedelta(seconds=n))
    team.dequeue(UUID(int=1), "assigned")
    rebuilt: Team | None = None
    for event in team.collect_events():
        rebuilt = event.mutate(rebuilt)  # type: ignore[assignment]
    assert rebuilt is not None
    assert rebuilt.waiting == team.waiting == [UUID(int=2), UUID(int=3)]


def test_a_lead_queued_before_arrival_times_were_kept_keeps_its_place() -> None:
    team = Team(name=TEAM)
    old = uuid4()
    team.enqueue(old)  # an event stored without an arrival time
    early = uuid4()
    team.enqueue(early, T0 - timedelta(days=1))
    assert team.waiting == [old, early]


# Arrival order, through the inbox.


def test_leads_stored_out_of_arrival_order_wait_in_arrival_order_and_customers_are_told(store: EventStore) -> None:
    second = visitor_writes(store, "second", T0 + timedelta(seconds=2))
    first = visitor_writes(store, "first", T0 + timedelta(seconds=1))
    third = visitor_writes(store, "third", T0 + timedelta(seconds=3))

    assert waiting(store) == [first, second, third]
    assert [last_position(store, lead) for lead in (first, second, third)] == [1, 2, 3]
    moved = [d["reasons"] for a, d in events_of(store, "Lead.Queued") if a == second][-1]
    assert "moved" in moved

    anna = register_manager(store, "anna", "anna@example.com", 1, TEAM)
    routed(store, change_work_day, anna, "start")
    assert lead(store, first).manager_id == anna
    assert lead(store, second).status is LeadStatus.QUEUED


def test_the_same_arrivals_give_the_same_queue_whatever_order_they_are_stored_in(clock: Clock) -> None:
    arrivals = {"a": T0 + timedelta(seconds=1), "b": T0 + timedelta(seconds=2), "c": T0 + timedelta(seconds=2)}
    queues = []
    for order in (("a", "b", "c"), ("c", "b", "a"), ("b", "a", "c")):
        store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team=TEAM, clock=clock)
        for visitor in order:
            visitor_writes(store, visitor, arrivals[visitor])
        queues.append(waiting(store))
    assert queues[0] == queues[1] == queues[2]


# Closing takes a lead out of the queue.


def test_closing_a_waiting_conversation_takes_its_lead_out_of_the_queue_for_good(store: EventStore) -> None:
    closed = visitor_writes(store, "closed", T0)
    waits = visitor_writes(store, "waits", T0 + timedelta(seconds=1))
    director = uuid4()

    routed(store, close_conversation, conversation_id("webchat", "closed"), director, any_conversation=True)

    assert lead(store, closed).status is LeadStatus.CLOSED
    assert waiting(store) == [waits]
    assert (team_id(TEAM), {"lead_id": closed, "why": "the conversation was closed"}) in [
        (a, {k: d[k] for k in ("lead_id", "why")}) for a, d in events_of(store, "Team.LeadDequeued")
    ]
    anna = register_manager(store, "anna", "anna@example.com", 1, TEAM)
    routed(store, change_work_day, anna, "start")
    assert lead(store, closed).manager_id is None
    assert lead(store, waits).manager_id == anna
    assert [a for a, _ in events_of(store, "Lead.Assigned")] == [waits]


def test_a_closed_lead_is_never_assigned_even_if_asked(store: EventStore) -> None:
    closed = visitor_writes(store, "closed", T0)
    routed(store, close_conversation, conversation_id("webchat", "closed"), uuid4(), any_conversation=True)
    with pytest.raises(LeadClosed):
        lead(store, closed).assign(uuid4(), {})


def test_closing_a_conversation_on_offer_withdraws_the_offer(store: EventStore, clock: Clock) -> None:
    anna = register_manager(store, "anna", "anna@example.com", 1, TEAM)
    routed(store, change_work_day, anna, "start")
    rules = RuleSet((Rule("all", team=TEAM, strategy=Strategy.OFFER_TO_ALL, offer_timeout_seconds=60),))
    routed(store, apply_rules, rules, "test")
    offered = visitor_writes(store, "offered", T0)
    assert lead(store, offered).status is LeadStatus.OFFERED

    routed(store, close_conversation, conversation_id("webchat", "offered"), anna, any_conversation=True)
    clock.now += timedelta(minutes=5)

    assert not expire_offer(store, offered)
    with pytest.raises(Exception, match="not on offer"):
        accept_offer(store, offered, anna)
    assert lead(store, offered).status is LeadStatus.CLOSED
    assert events_of(store, "Lead.Assigned") == []


def test_no_idle_reroute_for_a_closed_conversation(store: EventStore, clock: Clock) -> None:
    anna = register_manager(store, "anna", "anna@example.com", 1, TEAM)
    boris = register_manager(store, "boris", "boris@example.com", 1, TEAM)
    routed(store, change_work_day, anna, "start")
    routed(store, apply_rules, RuleSet((Rule("default", team=TEAM, idle_timeout_seconds=60),)), "test")
    held = visitor_writes(store, "held", T0)
    holder = lead(store, held).manager_id
    assert holder == anna
    routed(store, change_work_day, boris, "start")

    routed(store, close_conversation, conversation_id("webchat", "held"), anna)
    clock.now += timedelta(minutes=5)

    assert not routed(store, reroute_unanswered, held)
    assert lead(store, held).status is LeadStatus.CLOSED
    assert len(events_of(store, "Lead.Assigned")) == 1


def test_the_customer_writing_again_reopens_a_closed_conversation_and_queues_its_lead_anew(store: EventStore) -> None:
    returning = visitor_writes(store, "back", T0)
    director = uuid4()
    routed(store, close_conversation, conversation_id("webchat", "back"), director, any_conversation=True)
    receive_messages(store, [InboundMessage.from_visitor("back", "2", "still there?", T0 + timedelta(minutes=1))])
    assert lead(store, returning).status is LeadStatus.QUEUED
    anna = register_manager(store, "anna", "anna@example.com", 1, TEAM)
    routed(store, change_work_day, anna, "start")
    assert lead(store, returning).manager_id == anna
    # and it can be closed again, which is recorded again
    routed(store, close_conversation, conversation_id("webchat", "back"), anna)
    assert len(events_of(store, "Conversation.Closed")) == 2
