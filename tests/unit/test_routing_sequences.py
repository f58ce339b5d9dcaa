"""Random sequences of presence changes, leads, answers and closings through the inbox (in memory).

Whatever happens, the log never shows a lead with two holders, a manager over
capacity or an absent manager given a lead; and the same sequence gives the
same decisions.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.close_conversation import close_conversation
from application.event_store import EventStore
from application.managers import change_capacity, register_manager
from application.overdue_leads import reroute_unanswered
from application.receive_messages import receive_messages
from application.reply import reply
from application.rules import apply_rules
from application.work_day import change_work_day
from domain.errors import DomainError
from domain.identities import conversation_id, lead_id
from domain.inbound import InboundMessage
from domain.lead import Lead
from domain.rules import Rule, RuleSet
from tests.log_invariants import check_routing_invariants
from tests.router_reactions import routed

MANAGERS = ("anna", "boris", "clara")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("lead"), st.integers(0, 15)),
        st.tuples(st.sampled_from(["start", "pause", "resume", "end"]), st.sampled_from(MANAGERS)),
        st.tuples(st.just("capacity"), st.sampled_from(MANAGERS), st.integers(0, 3)),
        st.tuples(st.just("answer"), st.integers(0, 15)),
        st.tuples(st.just("close"), st.integers(0, 15)),
        st.tuples(st.just("wait"), st.integers(1, 5)),
    ),
    max_size=60,
)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def play(steps: list[tuple[Any, ...]]) -> tuple[EventStore, list[tuple[str, str]]]:
    clock = Clock()
    store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales", clock=clock)
    ids = {name: register_manager(store, name, f"{name}@example.com", 2, "sales") for name in MANAGERS}
    routed(store, apply_rules, RuleSet((Rule("default", team="sales", idle_timeout_seconds=120),)), "test")
    for step in steps:
        clock.now += timedelta(seconds=10)
        with contextlib.suppress(DomainError):  # a refused command (pause when not started) changes nothing
            act(store, ids, clock, step)
    decisions = [(k, str(d.get("manager_id"))) for k, _, d in _assignments(store)]
    return store, decisions


def act(store: EventStore, ids: dict[str, Any], clock: Clock, step: tuple[Any, ...]) -> None:
    kind = step[0]
    if kind == "lead":
        visitor = f"v{step[1]}"
        message = InboundMessage.from_visitor(visitor, str(clock.now.timestamp()), "hi", clock.now)
        receive_messages(store, [message])
    elif kind in ("start", "pause", "resume", "end"):
        routed(store, change_work_day, ids[step[1]], kind)
    elif kind == "capacity":
        routed(store, change_capacity, ids[step[1]], step[2])
    elif kind in ("answer", "close"):
        conversation = conversation_id("webchat", f"v{step[1]}")
        lead = store.repository.get(lead_id(conversation)) if _exists(store, lead_id(conversation)) else None
        if isinstance(lead, Lead) and lead.manager_id is not None:
            if kind == "answer":
                reply(store, conversation, lead.manager_id, "hello", f"r{clock.now.timestamp()}")
            else:
                routed(store, close_conversation, conversation, lead.manager_id)
    elif kind == "wait":
        clock.now += timedelta(minutes=step[1])
        for lead in _overdue(store, clock.now):
            routed(store, reroute_unanswered, lead)


def _exists(store: EventStore, aggregate_id: Any) -> bool:
    return aggregate_id in store.repository


def _overdue(store: EventStore, now: datetime) -> list[Any]:
    leads = {a for k, a, _ in _assignments(store)}
    return [
        lead
        for lead in leads
        if (found := store.repository.get(lead)).answer_by is not None and found.answer_by <= now and not found.answered
    ]


def _assignments(store: EventStore) -> list[tuple[str, Any, dict[str, Any]]]:
    from tests.log_invariants import log_events  # noqa: PLC0415

    return [(k, a, d) for k, a, d in log_events(store) if k == "Lead.Assigned"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_routing_invariants_hold_for_any_sequence(steps: list[tuple[Any, ...]]) -> None:
    store, _ = play(steps)
    statuses = check_routing_invariants(store)
    assert all(s in ("assigned", "queued", "closed", "offered") for s in statuses.values())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_the_same_sequence_gives_the_same_decisions(steps: list[tuple[Any, ...]]) -> None:
    assert play(steps)[1] == play(steps)[1]


def test_a_plain_sequence_assigns_queues_and_reroutes() -> None:
    steps = [("start", "anna"), ("lead", 1), ("lead", 2), ("lead", 3), ("start", "boris"), ("wait", 3)]
    store, decisions = play(steps)
    statuses = check_routing_invariants(store)
    assert sorted(statuses.values()) == ["assigned", "assigned", "assigned"]
    # anna took two (her capacity), the third waited for boris; nobody answered, so after the idle
    # timeout every lead moved on to someone who had not had it yet.
    assert len(decisions) > len(statuses)
