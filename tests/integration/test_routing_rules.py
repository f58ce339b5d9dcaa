"""Rules, queues, offers, re-routing, explain and simulate on the real event store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain.identities import conversation_id, lead_id
from domain.inbound import InboundMessage
from domain.lead import Lead, NotOffered
from services.bootstrap import build_inbox
from services.router.explain import explain
from services.router.inbox import Inbox
from services.router.rules_file import RulesFileError, load_rules
from services.router.simulation import simulate
from services.settings import Settings

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
def inbox(settings: Settings, clock: Clock) -> Iterator[Inbox]:
    app = build_inbox(settings)
    app.clock = clock
    yield app
    app.close()


def webchat(visitor: str, message: str = "m", at: datetime | None = None) -> InboundMessage:
    return InboundMessage.from_visitor(visitor, message, "hello", at or datetime(2026, 3, 2, 10, 0, tzinfo=UTC))


def manager(inbox: Inbox, name: str, capacity: int = 5, *, working: bool = True) -> UUID:
    manager_id = inbox.register_manager(name, f"{name}@example.com", capacity, "sales")
    if working:
        inbox.start_work_day(manager_id)
    return manager_id


def holder(inbox: Inbox, visitor: str) -> UUID | None:
    lead: Lead = inbox.repository.get(lead_id(conversation(visitor)))
    return lead.manager_id


def conversation(visitor: str) -> UUID:
    return conversation_id("webchat", visitor)


def test_a_waiting_lead_goes_to_the_first_manager_who_starts_the_day(inbox: Inbox) -> None:
    anna = manager(inbox, "anna", working=False)
    [result] = inbox.receive([webchat("v1")])
    assert result.assigned_to is None
    inbox.start_work_day(anna)
    assert holder(inbox, "v1") == anna


def test_closing_a_conversation_frees_capacity_for_the_queue_in_order(inbox: Inbox) -> None:
    anna = manager(inbox, "anna", capacity=1)
    inbox.receive([webchat("first")])
    inbox.receive([webchat("second")])
    inbox.receive([webchat("third")])
    assert (holder(inbox, "second"), holder(inbox, "third")) == (None, None)
    inbox.close_conversation(conversation("first"), anna)
    assert (holder(inbox, "second"), holder(inbox, "third")) == (anna, None)


def test_capacity_zero_takes_a_manager_out_without_disturbing_the_others(inbox: Inbox) -> None:
    anna, boris, clara = (manager(inbox, n, capacity=10) for n in ("anna", "boris", "clara"))
    inbox.change_capacity(boris, 0)
    results = inbox.receive([webchat(f"v{i}") for i in range(6)])
    counts = {m: sum(r.assigned_to == m for r in results) for m in (anna, boris, clara)}
    assert counts == {anna: 3, boris: 0, clara: 3}


def test_an_unanswered_lead_is_rerouted_after_the_idle_timeout_and_history_keeps_both(
    inbox: Inbox, clock: Clock
) -> None:
    anna, boris = manager(inbox, "anna"), manager(inbox, "boris")
    rules = load_rules(
        "rules:\n  - name: fast answer\n    team: sales\n    strategy: in_order\n"
        "    order: [anna@example.com, boris@example.com]\n    idle_timeout: 2m\n",
        {"anna@example.com": anna, "boris@example.com": boris},
    )
    inbox.apply_rules(rules, "ops@example.com")
    inbox.receive([webchat("v1")])
    lead = lead_id(conversation("v1"))
    assert holder(inbox, "v1") == anna
    assert not inbox.reroute_if_unanswered(lead)  # not yet due
    clock.now += timedelta(minutes=3)
    assert inbox.reroute_if_unanswered(lead)
    assert holder(inbox, "v1") == boris
    events = [e["event"] for e in inbox.routing_history(lead)]
    assert events == ["Created", "Assigned", "Released", "Assigned"]
    text = explain(inbox.routing_history(lead))
    assert "no answer within the rule's idle timeout" in text
    assert "anna: skipped: already_tried" in text
    assert inbox.manager(anna)["open_leads"] == 0


def test_offer_to_all_the_first_to_accept_takes_it(inbox: Inbox) -> None:
    anna, boris = manager(inbox, "anna"), manager(inbox, "boris")
    rules = load_rules("rules:\n  - name: all\n    team: sales\n    strategy: offer_to_all\n", {})
    inbox.apply_rules(rules, "ops")
    [result] = inbox.receive([webchat("v1")])
    assert result.assigned_to is None
    inbox.accept(result.lead_id, boris)
    with pytest.raises(NotOffered):
        inbox.accept(result.lead_id, anna)
    assert holder(inbox, "v1") == boris


def test_an_offer_nobody_accepts_in_time_is_assigned_evenly(inbox: Inbox, clock: Clock) -> None:
    anna, boris = manager(inbox, "anna"), manager(inbox, "boris")
    rules = load_rules(
        "rules:\n  - name: all\n    team: sales\n    strategy: offer_to_all\n    offer_timeout: 90s\n", {}
    )
    inbox.apply_rules(rules, "ops")
    [result] = inbox.receive([webchat("v1")])
    assert result.assigned_to is None
    clock.now += timedelta(seconds=89)
    assert not inbox.expire_offer(result.lead_id)  # still on offer
    clock.now += timedelta(seconds=2)
    assert inbox.expire_offer(result.lead_id)
    assert not inbox.expire_offer(result.lead_id)  # once
    assert holder(inbox, "v1") in {anna, boris}
    with pytest.raises(NotOffered):
        inbox.accept(result.lead_id, anna)
    history = inbox.routing_history(result.lead_id)
    assert [e["event"] for e in history][-3:] == ["Offered", "OfferWithdrawn", "Assigned"]
    assert history[-1]["reasons"]["strategy"] == "evenly_after_offer_expired"
    assert "offer withdrawn: nobody accepted it within the rule's offer timeout" in explain(history)


def test_an_offer_timeout_needs_the_offer_to_all_strategy() -> None:
    with pytest.raises(RulesFileError, match="'offer_timeout' applies to the offer_to_all strategy only"):
        load_rules("rules:\n  - name: one\n    team: sales\n    offer_timeout: 1m\n", {})


def test_a_returning_customer_goes_back_to_their_manager(inbox: Inbox) -> None:
    anna, boris = manager(inbox, "anna"), manager(inbox, "boris")
    [first] = inbox.receive([webchat("v1", "m1")])
    assert first.assigned_to is not None
    inbox.close_conversation(first.conversation_id, first.assigned_to)
    inbox.receive([webchat("v2", "m1")])  # moves "evenly" on to the other manager
    [again] = inbox.receive([webchat("v1", "m2")])
    assert again.assigned_to == first.assigned_to
    assert {anna, boris} >= {again.assigned_to}


def test_a_rules_file_with_mistakes_names_the_line_and_field_and_changes_nothing(inbox: Inbox) -> None:
    anna = manager(inbox, "anna")
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


def test_applying_rules_is_an_event_with_who_and_the_diff(inbox: Inbox) -> None:
    manager(inbox, "anna")
    first = inbox.apply_rules(load_rules("rules:\n  - name: a\n    team: sales\n", {}), "ops@example.com")
    second = inbox.apply_rules(
        load_rules("rules:\n  - name: a\n    team: sales\n    strategy: least_loaded\n", {}), "lead@example.com"
    )
    again = inbox.apply_rules(
        load_rules("rules:\n  - name: a\n    team: sales\n    strategy: least_loaded\n", {}), "lead@example.com"
    )
    assert (first, second, again) == (["added rule a"], ["rule a: strategy changed"], [])


def test_simulate_shows_how_a_rule_change_would_move_leads_and_writes_nothing(inbox: Inbox) -> None:
    anna, boris = manager(inbox, "anna", capacity=50), manager(inbox, "boris", capacity=50)
    inbox.receive([webchat(f"v{i}") for i in range(10)])
    before = inbox.recorder.max_notification_id()  # type: ignore[attr-defined]
    proposed = load_rules(
        "rules:\n  - name: anna only\n    manager: anna@example.com\n",
        {"anna@example.com": anna, "boris@example.com": boris},
    )
    report = simulate(inbox, proposed)
    assert (report.before["anna"], report.before["boris"]) == (5, 5)
    assert (report.after["anna"], report.after["boris"]) == (10, 0)
    assert len(report.changed_hands) == 5
    assert inbox.recorder.max_notification_id() == before  # type: ignore[attr-defined]
    assert "5 leads would change hands" in report.render()
