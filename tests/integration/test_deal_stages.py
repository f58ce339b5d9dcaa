"""Deals on the real event store: stage moves read back in order, edits at a stale version refused."""

from __future__ import annotations

import threading
from datetime import timedelta
from uuid import UUID

import pytest

from application.add_deal_line import NewLine, add_deal_line
from application.create_product import create_product
from application.errors import ConcurrentEdit
from application.event_store import EventStore
from application.fire_reminder import due_reminders, fire_reminder
from application.managers import register_manager
from application.move_deal import move_deal
from application.open_deal import DealOpening, open_deal
from application.rename_stage import rename_stage
from application.schedule_activity import NewActivity, schedule_activity
from domain.deal import Deal
from domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline
from domain.timers import TimerKind
from services.bootstrap import build_event_store
from services.settings import Settings
from tests.log_invariants import log_events

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def stages(store: EventStore) -> dict[str, UUID]:
    pipeline = store.load(DEFAULT_PIPELINE_ID)
    assert isinstance(pipeline, Pipeline)
    return {s.name: s.id for s in pipeline.ordered}


def test_a_deal_moved_through_stages_reads_back_in_order_from_postgres(store: EventStore, settings: Settings) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    tyre = create_product(store, "Winter tyre", "119.99", "EUR", anna)
    opened = open_deal(store, DealOpening("Fleet renewal", "EUR"), anna)
    add_deal_line(store, opened.deal_id, NewLine(product_id=tyre, quantity=4), anna)
    ids = stages(store)
    for name in ("Qualification", "Proposal", "Negotiation"):
        move_deal(store, opened.deal_id, ids[name], anna)
    move_deal(store, opened.deal_id, ids["Lost"], anna, reason="Chose a competitor")
    move_deal(store, opened.deal_id, ids["Negotiation"], anna)  # reopened
    rename_stage(store, DEFAULT_PIPELINE_ID, ids["Negotiation"], "Final terms", anna)
    move_deal(store, opened.deal_id, ids["Won"], anna)

    fresh = build_event_store(settings)  # another process's view: nothing cached
    try:
        events = [(k, d) for k, a, d in log_events(fresh) if a == opened.deal_id]
        deal = fresh.load(opened.deal_id)
    finally:
        fresh.close()
    moves = [d for k, d in events if k == "Deal.StageChanged"]
    assert [m["stage"]["name"] for m in moves] == [
        "Qualification", "Proposal", "Negotiation", "Lost", "Negotiation", "Won",
    ]  # fmt: skip
    opened_at = next(d for k, d in events if k == "Deal.Opened")["at"]
    entered = [opened_at, *(m["at"] for m in moves)]
    assert [m["previous_stage_entered_at"] for m in moves] == entered[:-1]
    assert entered == sorted(entered)
    assert [m["reopened"] for m in moves] == [False, False, False, False, True, False]
    assert moves[3]["reason"] == "Chose a competitor"
    assert {m["amount"] for m in moves} == {"479.96"}
    assert isinstance(deal, Deal)
    assert (deal.closed, deal.stage.kind.value, deal.probability, str(deal.amount)) == (True, "won", 100, "479.96")


def test_two_managers_moving_the_same_version_at_once_one_is_refused(store: EventStore, settings: Settings) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    opened = open_deal(store, DealOpening("Fleet renewal", "EUR"), anna)
    ids = stages(store)
    other = build_event_store(settings)
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def move(on: EventStore, stage: str) -> None:
        start.wait()
        try:
            outcomes.append(move_deal(on, opened.deal_id, ids[stage], anna, expected_version=opened.version))
        except ConcurrentEdit as refused:
            outcomes.append(refused)

    try:
        threads = [threading.Thread(target=move, args=a) for a in ((store, "Proposal"), (other, "Negotiation"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        other.close()
    refused = [o for o in outcomes if isinstance(o, ConcurrentEdit)]
    assert sorted(type(o).__name__ for o in outcomes) == ["ConcurrentEdit", "int"]
    assert refused[0].current_version == 2
    assert [k for k, a, _ in log_events(store) if a == opened.deal_id].count("Deal.StageChanged") == 1


def test_two_first_deals_at_once_create_the_default_pipeline_once(store: EventStore, settings: Settings) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    other = build_event_store(settings)
    start = threading.Barrier(2)

    def open_one(on: EventStore, title: str) -> None:
        start.wait()
        open_deal(on, DealOpening(title, "EUR"), anna)

    try:
        threads = [threading.Thread(target=open_one, args=a) for a in ((store, "Fleet"), (other, "Vans"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        other.close()
    kinds = [k for k, _, _ in log_events(store)]
    assert (kinds.count("Pipeline.Created"), kinds.count("Deal.Opened")) == (1, 2)


def test_a_reminder_is_kept_in_postgres_beside_its_events_until_it_fires(store: EventStore) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    opened = open_deal(store, DealOpening("Fleet renewal", "EUR"), anna)
    now = store.clock()
    due = schedule_activity(store, NewActivity("task", "deal", opened.deal_id, "Call", remind_at=now), anna)
    later = schedule_activity(
        store, NewActivity("task", "deal", opened.deal_id, "Call", remind_at=now + timedelta(hours=1)), anna
    )
    assert due_reminders(store, 10) == [due]
    assert store.deadlines.due(TimerKind.REMINDER, now + timedelta(hours=2), 10) == [due, later]
    assert fire_reminder(store, due)
    assert not fire_reminder(store, due)
    assert store.deadlines.due(TimerKind.REMINDER, now + timedelta(hours=2), 10) == [later]
