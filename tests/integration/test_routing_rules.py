"""Rules, queues, offers, re-routing, explain and simulate on the real event store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from application.accept_offer import accept_offer
from application.close_conversation import close_conversation
from application.event_store import EventStore
from application.managers import change_capacity, manager_load, register_manager
from application.overdue_leads import expire_offer, reroute_unanswered
from application.receive_messages import receive_messages
from application.routing_history import routing_history
from application.rule_simulation import simulate
from application.rules import apply_rules
from application.work_day import change_work_day
from domain.identities import conversation_id, lead_id
from domain.inbound import InboundMessage
from domain.lead import Lead, NotOffered
from services.bootstrap import build_event_store
from services.router.explain import explain
from services.router.rules_file import RulesFileError, load_rules
from services.settings import Settings
from tests.router_reactions import routed

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(settings: Settings, clock: Clock) -> Iterator[EventStore]:
    app = build_event_store(settings)
    app.clock = clock
    yield app
    app.close()


def webchat(visitor: str, message: str = "m", at: datetime | None = None) -> InboundMessage:
    return InboundMessage.from_visitor(visitor, message, "hello", at or datetime(2026, 3, 2, 10, 0, tzinfo=UTC))


def manager(store: EventStore, name: str, capacity: int = 5, *, working: bool = True) -> UUID:
    manager_id = register_manager(store, name, f"{name}@example.com", capacity, "sales")
    if working:
        routed(store, change_work_day, manager_id, "start")
    return manager_id


def holder(store: EventStore, visitor: str) -> UUID | None:
    lead: Lead = store.repository.get(lead_id(conversation(visitor)))
    return lead.manager_id


def conversation(visitor: str) -> UUID:
    return conversation_id("webchat", visitor)


def test_a_waiting_lead_goes_to_the_first_manager_who_starts_the_day(store: EventStore) -> None:
    anna = manager(store, "anna", working=False)
    [result] = receive_messages(store, [webchat("v1")])
    assert result.assigned_to is None
    routed(store, change_work_day, anna, "start")
    assert holder(store, "v1") == anna


def test_closing_a_conversation_frees_capacity_for_the_queue_in_order(store: EventStore) -> None:
    anna = manager(store, "anna", capacity=1)
    receive_messages(store, [webchat("first")])
    receive_messages(store, [webchat("second")])
    receive_messages(store, [webchat("third")])
    assert (holder(store, "second"), holder(store, "third")) == (None, None)
    routed(store, close_conversation, conversation("first"), anna)
    assert (holder(store, "second"), holder(store, "third")) == (anna, None)


def test_capacity_zero_takes_a_manager_out_without_disturbing_the_others(store: EventStore) -> None:
    anna, boris, clara = (manager(store, n, capacity=10) for n in ("anna", "boris", "clara"))
    routed(store, change_capacity, boris, 0)
    results = receive_messages(store, [webchat(f"v{i}") for i in range(6)])
    counts = {m: sum(r.assigned_to == m for r in results) for m in (anna, boris, clara)}
    assert counts == {anna: 3, boris: 0, clara: 3}


def test_an_unanswered_lead_is_rerouted_after_the_idle_timeout_and_history_keeps_both(
    store: EventStore, clock: Clock
) -> None:
    anna, boris = manager(store, "anna"), manager(store, "boris")
    rules = load_rules(
        "rules:\n  - name: fast answer\n    team: sales\n    strategy: in_order\n"
        "    order: [anna@example.com, boris@example.com]\n    idle_timeout: 2m\n",
        {"anna@example.com": anna, "boris@example.com": boris},
    )
    routed(store, apply_rules, rules, "ops@example.com")
    receive_messages(store, [webchat("v1")])
    lead = lead_id(conversation("v1"))
    assert holder(store, "v1") == anna
    assert not routed(store, reroute_unanswered, lead)  # not yet due
    clock.now += timedelta(minutes=3)
    assert routed(store, reroute_unanswered, lead)
    assert holder(store, "v1") == boris
    events = [e["event"] for e in routing_history(store, lead)]
    assert events == ["Created", "Assigned", "Released", "Assigned"]
    text = explain(routing_history(store, lead))
    assert "no answer within the rule's idle timeout" in text
    assert "anna: skipped: already_tried" in text
    assert manager_load(store, anna)["open_leads"] == 0


def test_offer_to_all_the_first_to_accept_takes_it(store: EventStore) -> None:
    anna, boris = manager(store, "anna"), manager(store, "boris")
    rules = load_rules("rules:\n  - name: all\n    team: sales\n    strategy: offer_to_all\n", {})
    routed(store, apply_rules, rules, "ops")
    [result] = receive_messages(store, [webchat("v1")])
    assert result.assigned_to is None
    accept_offer(store, result.lead_id, boris)
    with pytest.raises(NotOffered):
        accept_offer(store, result.lead_id, anna)
    assert holder(store, "v1") == boris


def test_an_offer_nobody_accepts_in_time_is_assigned_evenly(store: EventStore, clock: Clock) -> None:
    anna, boris = manager(store, "anna"), manager(store, "boris")
    rules = load_rules(
        "rules:\n  - name: all\n    team: sales\n    strategy: offer_to_all\n    offer_timeout: 90s\n", {}
    )
    routed(store, apply_rules, rules, "ops")
    [result] = receive_messages(store, [webchat("v1")])
    assert result.assigned_to is None
    clock.now += timedelta(seconds=89)
    assert not expire_offer(store, result.lead_id)  # still on offer
    clock.now += timedelta(seconds=2)
    assert expire_offer(store, result.lead_id)
    assert not expire_offer(store, result.lead_id)  # once
    assert holder(store, "v1") in {anna, boris}
    with pytest.raises(NotOffered):
        accept_offer(store, result.lead_id, anna)
    history = routing_history(store, result.lead_id)
    assert [e["event"] for e in history][-3:] == ["Offered", "OfferWithdrawn", "Assigned"]
    assert history[-1]["reasons"]["strategy"] == "evenly_after_offer_expired"
    assert "offer withdrawn: nobody accepted it within the rule's offer timeout" in explain(history)


def test_an_offer_timeout_needs_the_offer_to_all_strategy() -> None:
    with pytest.raises(RulesFileError, match="'offer_timeout' applies to the offer_to_all strategy only"):
        load_rules("rules:\n  - name: one\n    team: sales\n    offer_timeout: 1m\n", {})


def test_a_returning_customer_goes_back_to_their_manager(store: EventStore) -> None:
    anna, boris = manager(store, "anna"), manager(store, "boris")
    [first] = receive_messages(store, [webchat("v1", "m1")])
    assert first.assigned_to is not None
    routed(store, close_conversation, first.conversation_id, first.assigned_to)
    receive_messages(store, [webchat("v2", "m1")])  # moves "evenly" on to the other manager
    [again] = receive_messages(store, [webchat("v1", "m2")])
    assert again.assigned_to == first.assigned_to
    assert {anna, boris} >= {again.assigned_to}


def test_a_rules_file_with_mistakes_names_the_line_and_field_and_changes_nothing(store: EventStore) -> None:
    anna = manager(store, "anna")
    text = (
        "rules:\n  - name: vip\n    when: {vip: yes}\n    manager: nobody@example.com\n"
        "  - name: x\n    team: sales\n    strategy: loudest\n"
    )
    with pytest.raises(RulesFileError) as error:
        load_rules(text, {"anna@example.com": anna})
    problems = [(p.line, p.field) for p in error.value.problems]
    assert problems == [(7, "rules.1.strategy")]
    with pytest.raises(RulesFileError) as unknown:
        load_rules(text.replace("loudest", "evenly"), {"anna@example.com": anna})
    assert [(p.line, p.field, p.message) for p in unknown.value.problems] == [
        (4, "rules.0.manager", "no manager 'nobody@example.com'")
    ]


def test_applying_rules_is_an_event_with_who_and_the_diff(store: EventStore) -> None:
    manager(store, "anna")
    first = routed(store, apply_rules, load_rules("rules:\n  - name: a\n    team: sales\n", {}), "ops@example.com")
    second = routed(
        store,
        apply_rules,
        load_rules("rules:\n  - name: a\n    team: sales\n    strategy: least_loaded\n", {}),
        "lead@example.com",
    )
    again = routed(
        store,
        apply_rules,
        load_rules("rules:\n  - name: a\n    team: sales\n    strategy: least_loaded\n", {}),
        "lead@example.com",
    )
    assert (first, second, again) == (["added rule a"], ["rule a: strategy changed"], [])


def test_simulate_shows_how_a_rule_change_would_move_leads_and_writes_nothing(store: EventStore) -> None:
    anna, boris = manager(store, "anna", capacity=50), manager(store, "boris", capacity=50)
    receive_messages(store, [webchat(f"v{i}") for i in range(10)])
    before = store.recorder.max_notification_id()  # type: ignore[attr-defined]
    proposed = load_rules(
        "rules:\n  - name: anna only\n    manager: anna@example.com\n",
        {"anna@example.com": anna, "boris@example.com": boris},
    )
    report = simulate(store, proposed)
    assert (report.before["anna"], report.before["boris"]) == (5, 5)
    assert (report.after["anna"], report.after["boris"]) == (10, 0)
    assert len(report.changed_hands) == 5
    assert store.recorder.max_notification_id() == before  # type: ignore[attr-defined]
    assert "5 leads would change hands" in report.render()
