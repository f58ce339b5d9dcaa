"""The sales read models built from the log: pipelines, products, deals, stage history, activities, timelines."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from application.add_deal_line import NewLine, add_deal_line
from application.add_stage import add_stage
from application.change_deal import change_deal
from application.change_deal_line import LineChange, change_deal_line
from application.complete_activity import complete_activity
from application.create_product import create_product
from application.deal_observers import add_deal_observer, remove_deal_observer
from application.event_store import EventStore
from application.fire_reminder import fire_reminder
from application.managers import register_manager
from application.move_deal import move_deal
from application.open_deal import DealOpening, open_deal
from application.receive_messages import receive_messages
from application.remove_deal_line import remove_deal_line
from application.rename_stage import rename_stage
from application.reorder_stages import reorder_stages
from application.reschedule_activity import reschedule_activity
from application.schedule_activity import NewActivity, schedule_activity
from application.set_deal_amount import set_deal_amount
from application.update_product import update_product
from domain.conversation import Conversation
from domain.inbound import InboundMessage
from domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline
from services.bootstrap import build_consumer, create_pool
from services.console.activity_queries import timeline
from services.console.paging import Page
from services.projections.rebuild import differences
from services.projections.schema import LIVE_SCHEMA, create_read_models
from services.projections.tracking import Position, apply_records
from services.settings import Settings
from services.topics import Topics
from tests.projected import project

pytestmark = pytest.mark.integration

S = LIVE_SCHEMA


def stage_ids(store: EventStore) -> dict[str, UUID]:
    pipeline = store.load(DEFAULT_PIPELINE_ID)
    assert isinstance(pipeline, Pipeline)
    return {s.name: s.id for s in pipeline.ordered}


async def rows(settings: Settings, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def read(settings: Settings, sql: str, *args: object) -> list[asyncpg.Record]:
    return asyncio.run(rows(settings, sql, *args))


async def timeline_of(settings: Settings, kind: str, record: UUID) -> list[dict[str, Any]]:
    """A record's whole timeline, as the console reads it."""
    pool = await create_pool(settings, size=1)
    try:
        entries, _ = await timeline(pool, kind, record, Page(limit=1000))
    finally:
        await pool.close()
    return entries


def test_a_deal_worked_through_its_stages_reads_as_it_stands_with_its_history(
    store: EventStore, settings: Settings
) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    boris = register_manager(store, "Boris", "boris@example.com", 5, "sales")
    [received] = receive_messages(
        store, [InboundMessage.from_visitor("v1", "m1", "Tyres for 4 vans?", datetime.now(UTC))]
    )
    assert received.conversation_id is not None
    conversation = store.load(received.conversation_id)
    assert isinstance(conversation, Conversation)
    contact = conversation.contact_id
    tyre = create_product(store, "Winter tyre", "119.99", "EUR", anna, sku="WT-1", category="tyres")
    update_product(store, tyre, anna, price="109.99")
    deal = open_deal(store, DealOpening("Fleet renewal", "EUR", contact_id=contact, observers=(boris,)), anna).deal_id
    line = add_deal_line(store, deal, NewLine(product_id=tyre, quantity=4), anna).line_id
    extra = add_deal_line(store, deal, NewLine(name="Fitting", price="20", quantity=4, tax_percent="21"), anna).line_id
    change_deal_line(store, deal, line, LineChange(discount_percent="10"), anna)
    remove_deal_line(store, deal, extra, anna)
    set_deal_amount(store, deal, "500", anna)
    set_deal_amount(store, deal, None, anna)
    change_deal(store, deal, anna, title="Fleet renewal 2026", expected_close="2026-09-30", probability=35)
    add_deal_observer(store, deal, anna, anna)
    remove_deal_observer(store, deal, boris, anna)
    ids = stage_ids(store)
    rename_stage(store, DEFAULT_PIPELINE_ID, ids["Proposal"], "Offer sent", anna)
    move_deal(store, deal, ids["Proposal"], anna)
    move_deal(store, deal, ids["Lost"], anna, reason="Chose a competitor")
    move_deal(store, deal, ids["Negotiation"], anna)
    move_deal(store, deal, ids["Won"], anna)
    follow_up = schedule_activity(
        store,
        NewActivity(
            "call", "deal", deal, "Thank them", due_at=store.clock() + timedelta(days=1), remind_at=store.clock()
        ),
        anna,
    )
    assert fire_reminder(store, follow_up)
    reschedule_activity(store, follow_up, store.clock() + timedelta(days=2), None, anna)
    complete_activity(store, follow_up, "They are happy", anna)

    asyncio.run(project(settings, store))

    [row] = read(settings, f"SELECT d.*, s.name AS stage_name FROM {S}.deals d JOIN {S}.stages s ON s.id = d.stage_id")
    assert (row["title"], row["stage_name"], row["stage_kind"], row["outcome"]) == (
        "Fleet renewal 2026",
        "Won",
        "won",
        "won",
    )
    # 4 x 109.99 less 10% = 395.96: the amount follows the lines again after being set by hand.
    assert (row["amount"], row["lines_total"], row["amount_set_by_hand"], row["currency"]) == (
        Decimal("395.96"), Decimal("395.96"), False, "EUR",
    )  # fmt: skip
    assert (row["probability"], str(row["expected_close"]), row["contact_id"]) == (100, "2026-09-30", contact)
    assert (row["responsible_id"], row["observers"], row["lost_reason"]) == (anna, [anna], "")
    assert row["closed_at"] == row["stage_entered_at"]
    [kept] = read(settings, f"SELECT * FROM {S}.deal_lines")
    assert (kept["line_id"], kept["name"], kept["quantity"], kept["total"]) == (
        line,
        "Winter tyre",
        Decimal(4),
        Decimal("395.96"),
    )

    history = read(settings, f"SELECT * FROM {S}.deal_stage_history ORDER BY notification_id")
    assert [h["stage_name"] for h in history] == ["New", "Offer sent", "Lost", "Negotiation", "Won"]
    assert [h["from_stage_id"] for h in history] == [None, ids["New"], ids["Proposal"], ids["Lost"], ids["Negotiation"]]
    assert [h["left_at"] for h in history[:-1]] == [h["entered_at"] for h in history[1:]]
    assert history[-1]["left_at"] is None
    assert (history[2]["reason"], history[3]["reopened"]) == ("Chose a competitor", True)

    [activity] = read(settings, f"SELECT * FROM {S}.scheduled_activities")
    assert (activity["done"], activity["result"], activity["remind_at"]) == (True, "They are happy", None)
    assert activity["reminder_fired_at"] is None  # the reminder was moved (to none) after it fired

    kinds = [t["kind"] for t in asyncio.run(timeline_of(settings, "contact", contact))]
    assert kinds[0] == "Conversation.CustomerWrote"
    assert kinds.count("Deal.StageChanged") == 4
    assert kinds[-3:] == ["Activity.Scheduled", "Activity.Rescheduled", "Activity.Completed"]
    assert "Deal.TitleChanged" not in kinds  # on the deal's own timeline only
    deal_kinds = [t["kind"] for t in asyncio.run(timeline_of(settings, "deal", deal))]
    assert "Deal.TitleChanged" in deal_kinds
    assert "Activity.ReminderFired" not in deal_kinds
    assert asyncio.run(applied_one_by_one_differs(settings)) == {}


def test_a_deal_given_to_another_contact_takes_its_history_to_their_timeline(
    store: EventStore, settings: Settings
) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    contacts = []
    for visitor in ("v1", "v2"):
        [received] = receive_messages(store, [InboundMessage.from_visitor(visitor, "m1", "Hello", datetime.now(UTC))])
        assert received.conversation_id is not None
        conversation = store.load(received.conversation_id)
        assert isinstance(conversation, Conversation)
        contacts.append(conversation.contact_id)
    first, second = contacts
    deal = open_deal(store, DealOpening("Fleet", "EUR", contact_id=first), anna).deal_id
    move_deal(store, deal, stage_ids(store)["Proposal"], anna)
    schedule_activity(store, NewActivity("call", "deal", deal, "Call them"), anna)
    change_deal(store, deal, anna, contact_id=second)

    asyncio.run(project(settings, store))

    shown = ["Deal.Opened", "Deal.StageChanged", "Activity.Scheduled"]
    for contact, expected in ((first, []), (second, shown)):
        entries = [
            t
            for t in asyncio.run(timeline_of(settings, "contact", contact))
            if t["kind"] != "Conversation.CustomerWrote"
        ]
        assert [t["kind"] for t in entries] == expected
        assert {t["summary"]["deal_id"] for t in entries} <= {str(deal)}
    # Stored once, on the deal's own timeline.
    [stored] = read(settings, f"SELECT count(*) AS n FROM {S}.timeline WHERE subject_kind <> 'deal'")
    assert stored["n"] == 0


async def applied_one_by_one_differs(settings: Settings) -> dict[str, int]:
    """Apply the log one event per transaction to another schema; the rows that differ from the rebuild."""
    pool = await create_pool(settings, size=2)
    consumer = build_consumer(settings)
    await consumer.start()
    try:
        partition = TopicPartition(Topics.named(settings.topic_prefix).domain_events, 0)
        consumer.assign([partition])
        end = (await consumer.end_offsets([partition]))[partition]
        consumer.seek(partition, 0)
        await create_read_models(pool, "one_by_one")
        position = Position(0, -1)
        while position.kafka_offset + 1 < end:
            batch = await consumer.getmany(partition, timeout_ms=1000)
            for record in batch.get(partition, []):
                position = await apply_records(pool, "one_by_one", [record], position, notify=False)
        return await differences(pool, LIVE_SCHEMA, "one_by_one")
    finally:
        await consumer.stop()
        await pool.close()


def test_stages_added_renamed_and_reordered_read_in_their_order(store: EventStore, settings: Settings) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    open_deal(store, DealOpening("First", "EUR"), anna)  # creates the default pipeline
    ids = stage_ids(store)
    demo = add_stage(store, DEFAULT_PIPELINE_ID, "Demo", "in_progress", 40, anna, position=2)
    order = [ids["New"], demo, ids["Qualification"], ids["Proposal"], ids["Negotiation"], ids["Won"], ids["Lost"]]
    reorder_stages(store, DEFAULT_PIPELINE_ID, order, anna)
    rename_stage(store, DEFAULT_PIPELINE_ID, demo, "Live demo", anna)
    asyncio.run(project(settings, store))
    stages = read(settings, f"SELECT id, name FROM {S}.stages ORDER BY position")
    assert [s["id"] for s in stages] == order
    assert stages[1]["name"] == "Live demo"
    [pipeline] = read(settings, f"SELECT name, version FROM {S}.pipelines")
    assert (pipeline["name"], pipeline["version"]) == ("Sales", 4)


def record(offset: int, kind: str, aggregate: UUID, data: dict[str, object]) -> ConsumerRecord[bytes, bytes]:
    value = json.dumps(
        {
            "notification_id": offset + 1,
            "type": kind,
            "aggregate_id": str(aggregate),
            "version": 1,
            "occurred_at": datetime.now(UTC).isoformat(),
            "data": data,
        }
    ).encode()
    return ConsumerRecord("t.domain-events", 0, offset, 0, 0, None, value, None, 0, len(value), ())


@pytest.mark.asyncio
async def test_an_activity_whose_time_cannot_be_stored_is_set_aside_and_the_next_event_applied(
    pool: asyncpg.Pool,
) -> None:
    await create_read_models(pool, LIVE_SCHEMA)
    manager, subject, product = uuid4(), uuid4(), uuid4()
    scheduled = {
        "activity_id": str(uuid4()),
        "kind": "call",
        "call_back": False,
        "title": "Call",
        "description": "",
        "due_at": "0001-01-01T00:00:00+14:00",  # before the first moment UTC can hold
        "remind_at": None,
        "subject_kind": "deal",
        "subject_id": str(subject),
        "responsible_id": str(manager),
        "by": str(manager),
        "at": datetime.now(UTC).isoformat(),
    }
    created = {"product_id": str(product), "name": "Tyre", "sku": "", "category": "", "price": "1.00"}
    records = [
        record(0, "Activity.Scheduled", uuid4(), scheduled),
        record(1, "Product.Created", product, {**created, "currency": "EUR", "by": str(manager)}),
    ]
    position = await apply_records(pool, LIVE_SCHEMA, records, Position(0, -1), notify=False)
    assert position == Position(2, 1)
    assert await pool.fetchval(f"SELECT name FROM {S}.products WHERE id = $1", product) == "Tyre"
    assert await pool.fetchval(f"SELECT count(*) FROM {S}.scheduled_activities") == 0
